"""What plmsync declares on the broker (idempotent: declaring again with the same arguments
changes nothing, so every process declares what it uses on start).

    PLM ──▶ queue (quorum, x-delivery-limit) ──nack / limit reached──▶ DLX (fanout) ──▶ DLQ
    plmsync ──▶ events exchange (topic, routing key = CloudEvents type)
"""

from __future__ import annotations

from typing import Any

from plmsync.config import BrokerConfig

QUORUM = {"x-queue-type": "quorum"}


def declare_ingress(channel: Any, config: BrokerConfig) -> None:
    """The PLM event queue and where its poison messages go."""
    channel.exchange_declare(config.dead_letter_exchange, exchange_type="fanout", durable=True)
    channel.queue_declare(config.dead_letter_queue, durable=True, arguments=QUORUM)
    channel.queue_bind(config.dead_letter_queue, config.dead_letter_exchange)
    channel.queue_declare(
        config.queue,
        durable=True,
        arguments={
            **QUORUM,
            "x-dead-letter-exchange": config.dead_letter_exchange,
            # A message that keeps crashing its consumer (requeued each time) ends in the DLQ.
            "x-delivery-limit": config.delivery_limit,
        },
    )


def declare_events(channel: Any, config: BrokerConfig) -> None:
    channel.exchange_declare(config.events_exchange, exchange_type="topic", durable=True)
