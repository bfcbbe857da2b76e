"""One subscribed webhook as a relay channel.

Each event is POSTed as a structured CloudEvent, signed per Standard Webhooks: `webhook-id`
is the CloudEvents id (the same on every retry, so the subscriber dedupes by it),
`webhook-timestamp` the send time, `webhook-signature` the HMAC-SHA256 of
`id.timestamp.body` with the subscriber's secret (read from the environment, never logged).
Any 2xx answer confirms the delivery; anything else, or no answer, is retried by the relay.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from typing import Any

import httpx
from standardwebhooks import Webhook

from plmsync.config import WebhookSubscription
from plmsync.domain.errors import ConfigError
from plmsync.engine.outbox import CONTENT_TYPE
from plmsync.ports.event_errors import DeliveryFailed


def secret_of(subscription: WebhookSubscription) -> str:
    value = os.environ.get(subscription.secret_env)
    if not value:
        raise ConfigError(
            f"webhook {subscription.name}: {subscription.secret_env} is not set",
            remedy=f"Export {subscription.secret_env} with the subscriber's whsec_… secret.",
        )
    return value


class WebhookChannel:
    def __init__(
        self,
        subscription: WebhookSubscription,
        secret: str,
        *,
        max_attempts: int,
        timeout: float = 10.0,
        client: httpx.Client | None = None,
    ):
        self.subscription = subscription
        self.max_attempts: int | None = max_attempts
        self._signer = Webhook(secret)
        self._client = client or httpx.Client(timeout=timeout)

    @property
    def name(self) -> str:
        return f"webhook:{self.subscription.name}"

    def send(self, event: dict[str, Any]) -> None:
        body = json.dumps(event, separators=(",", ":"))
        try:
            response = self._client.post(
                self.subscription.url, content=body.encode(), headers=self._headers(event, body)
            )
        except httpx.HTTPError as error:
            raise DeliveryFailed(f"{self.name}: {type(error).__name__}: {error}") from error
        if not response.is_success:
            raise DeliveryFailed(f"{self.name} answered HTTP {response.status_code}")

    def close(self) -> None:
        self._client.close()

    def _headers(self, event: dict[str, Any], body: str) -> dict[str, str]:
        now = dt.datetime.now(dt.UTC)
        return {
            "content-type": CONTENT_TYPE,
            "webhook-id": event["id"],
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": self._signer.sign(event["id"], now, body),
        }
