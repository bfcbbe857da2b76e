"""What can go wrong at the event edges (RabbitMQ, outbound webhooks), as members of the
shared error tree: both are transient — the consumer is restarted, the relay retries — but
their codes say which edge failed. Every code here is listed in docs/errors.md."""

from __future__ import annotations

from plmsync.domain.errors import TransientError


class BrokerUnavailable(TransientError):
    code = "PLMSYNC-BROKER-UNAVAILABLE"
    remedy = (
        "Nothing to do: the relay retries and a restarted consumer resumes where it stopped. "
        "If it persists, check that RabbitMQ is reachable with the settings of broker: "
        "in plmsync.yaml."
    )


class DeliveryFailed(TransientError):
    code = "PLMSYNC-OUTBOUND-UNDELIVERED"
    remedy = (
        "Nothing to do: the relay retries with backoff. After outbound.max_attempts the "
        "delivery is dead: fix the subscriber, then `plmsync outbox retry EVENT CHANNEL`."
    )


EVENT_ERROR_CLASSES = (BrokerUnavailable, DeliveryFailed)
