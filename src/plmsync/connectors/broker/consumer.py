"""`plmsync consume`: PLM events from a RabbitMQ quorum queue into the durable inbox.

At-least-once in, exactly-once effect: a message is acknowledged only after the inbox stored
it (`Engine.submit`, one transaction); a crash before the ack makes RabbitMQ deliver it again,
and the inbox records the redelivery as a duplicate that enqueues nothing. A payload the inbox
rejects is stored as rejected (with its dead letter) and then nacked without requeue, so the
broker's dead-letter exchange holds it too. If storing fails (the store is down), the consumer
stops and closing its connection returns the message to the queue; RabbitMQ counts each
return, and past `delivery_limit` it dead-letters a message that keeps failing instead of
delivering it forever. (Messages prefetched but not yet handled are returned too, and their
count grows with each crash: a small `prefetch` keeps innocent messages far from the limit.)
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pika.exceptions import AMQPError

from plmsync.config import BrokerConfig
from plmsync.connectors.broker.connection import connect
from plmsync.connectors.broker.topology import declare_ingress
from plmsync.engine.crashpoint import crashpoint
from plmsync.engine.model import EventStatus, InboxEvent
from plmsync.ports.event_errors import BrokerUnavailable
from plmsync.ports.store import Received

log = logging.getLogger(__name__)

Submit = Callable[[bytes], Received]
ReadEvent = Callable[[int], InboxEvent]
Listener = Callable[["Consumed"], None]


class Verdict(StrEnum):
    ACK = "ack"  # stored: accepted, or a redelivery of an accepted event
    DEAD_LETTER = "dead-letter"  # stored as rejected: nack without requeue → DLX


def verdict(received: Received, original: InboxEvent | None) -> Verdict:
    """A redelivered poison message is a duplicate of a rejected event: still dead-lettered."""
    status = original.status if original is not None else received.event.status
    return Verdict.DEAD_LETTER if status is EventStatus.REJECTED else Verdict.ACK


@dataclass(frozen=True)
class Consumed:
    received: Received
    verdict: Verdict
    redelivered: bool


class IngressConsumer:
    def __init__(
        self,
        config: BrokerConfig,
        submit: Submit,
        read_event: ReadEvent,
        *,
        stop: threading.Event | None = None,
        listener: Listener | None = None,
    ):
        self.config = config
        self.submit = submit
        self.read_event = read_event
        self.stopping = stop or threading.Event()
        self.listener = listener

    def run(self, *, exit_when_idle: bool = False, poll_seconds: float = 1.0) -> int:
        """Consume until stopped (or, with `exit_when_idle`, until the queue has nothing to
        deliver for `poll_seconds`); returns how many messages were settled."""
        connection = connect(self.config)
        try:
            channel = connection.channel()
            declare_ingress(channel, self.config)
            channel.basic_qos(prefetch_count=self.config.prefetch)
            return self._consume(channel, exit_when_idle, poll_seconds)
        except AMQPError as error:  # the broker went away mid-run: say so, with its code
            raise BrokerUnavailable(f"lost RabbitMQ while consuming: {error!r}") from error
        finally:
            if connection.is_open:
                connection.close()  # unacknowledged deliveries go back to the queue

    def stop(self) -> None:
        self.stopping.set()

    def _consume(self, channel: Any, exit_when_idle: bool, poll_seconds: float) -> int:
        settled = 0
        for method, _properties, body in channel.consume(
            self.config.queue, inactivity_timeout=poll_seconds
        ):
            if method is not None:
                self._settle(channel, method, bytes(body))
                settled += 1
            elif exit_when_idle:
                break
            if self.stopping.is_set():
                break
        channel.cancel()
        return settled

    def _settle(self, channel: Any, method: Any, body: bytes) -> None:
        # If storing fails, the exception ends the run and closing the connection returns the
        # message (a nack here would have it redelivered at once, to this very consumer).
        received = self.submit(body)
        crashpoint("consume.after_submit")
        repeats = received.event.duplicate_of
        original = None if repeats is None else self.read_event(repeats)
        decided = verdict(received, original)
        if decided is Verdict.ACK:
            channel.basic_ack(method.delivery_tag)
        else:
            channel.basic_nack(method.delivery_tag, requeue=False)
        log.info("event %s: %s, %s", received.event.event_id, received.event.status, decided)
        if self.listener is not None:
            self.listener(Consumed(received, decided, bool(method.redelivered)))
