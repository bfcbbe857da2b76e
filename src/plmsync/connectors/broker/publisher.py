"""Publishing CloudEvents to the events topic exchange with publisher confirms.

`send` returns only once RabbitMQ confirmed the message (it is then the broker's to keep),
and raises BrokerUnavailable otherwise; the connection is reopened on the next send. The routing
key is the event type, so a consumer binds `change.*` or `#` as it needs.
"""

from __future__ import annotations

import json
from contextlib import suppress
from typing import Any

import pika
from pika.exceptions import AMQPError

from plmsync.config import BrokerConfig
from plmsync.connectors.broker.connection import connect
from plmsync.connectors.broker.topology import declare_events
from plmsync.engine.outbox import CONTENT_TYPE
from plmsync.ports.event_errors import BrokerUnavailable

PERSISTENT = 2


class BrokerChannel:
    name = "broker"
    max_attempts: int | None = None  # the broker comes back; events wait for it

    def __init__(self, config: BrokerConfig):
        self.config = config
        self._connection: Any = None
        self._channel: Any = None

    def send(self, event: dict[str, Any]) -> None:
        properties = pika.BasicProperties(
            content_type=CONTENT_TYPE,
            delivery_mode=PERSISTENT,
            message_id=event["id"],
            type=event["type"],
        )
        body = json.dumps(event, separators=(",", ":")).encode()
        try:
            self._open().basic_publish(self.config.events_exchange, event["type"], body, properties)
        except AMQPError as error:
            self.close()
            message = f"RabbitMQ did not confirm event {event['id']}: {error!r}"
            raise BrokerUnavailable(message) from error

    def close(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None and connection.is_open:
            with suppress(AMQPError):  # already broken: nothing left to release
                connection.close()

    def _open(self) -> Any:
        if self._channel is None or not self._channel.is_open:
            self.close()
            self._connection = connect(self.config)
            channel = self._connection.channel()
            declare_events(channel, self.config)
            channel.confirm_delivery()  # basic_publish now waits for the broker's ack
            self._channel = channel
        return self._channel
