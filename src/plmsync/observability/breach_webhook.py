"""Tell another system of each SLA breach: a JSON POST signed per Standard Webhooks.

The receiver verifies it with the shared `whsec_` secret (named by `sla.breach_webhook_secret_env`;
the value is never logged). A failed delivery is logged and not retried here: the breach stays
in the audit trail, on the dashboard and in the metric, so nothing is lost by a down receiver.
"""

from __future__ import annotations

import datetime as dt
import json

import httpx
import structlog
from standardwebhooks import Webhook

from plmsync.domain.sla import Breach

log = structlog.get_logger("plmsync.sla")


class BreachWebhook:
    def __init__(self, url: str, secret: str, client: httpx.Client | None = None):
        self.url = url
        self._hook = Webhook(secret)
        self._client = client or httpx.Client(timeout=10)

    def __call__(self, breach: Breach) -> None:
        message_id = f"sla-{breach.clock.job}"
        body = json.dumps(payload(breach))
        sent_at = dt.datetime.now(dt.UTC)
        headers = {
            "content-type": "application/json",
            "webhook-id": message_id,
            "webhook-timestamp": str(int(sent_at.timestamp())),
            "webhook-signature": self._hook.sign(message_id, sent_at, body),
        }
        try:
            self._client.post(self.url, content=body, headers=headers).raise_for_status()
        except httpx.HTTPError as error:
            log.warning("sla.webhook_failed", url=self.url, error=type(error).__name__)


def payload(breach: Breach) -> dict[str, object]:
    return {"type": "sla.breached", **breach.facts()}
