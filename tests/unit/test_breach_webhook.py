"""An SLA breach posted to another system is signed per Standard Webhooks and verifies with
the shared secret; a receiver that is down loses nothing (the breach is in the audit trail)."""

from __future__ import annotations

import base64
import datetime as dt
import json

import httpx
from standardwebhooks import Webhook

from plmsync.domain.sla import Breach, PlantClock
from plmsync.observability.breach_webhook import BreachWebhook

SECRET = "whsec_" + base64.b64encode(b"s" * 32).decode()
T0 = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
BREACH = Breach(
    PlantClock("ECO-1", "DE01", 7, "dead", "eco", "urgent", T0),
    due=T0 + dt.timedelta(hours=4),
    overdue=dt.timedelta(hours=2),
)


def test_a_breach_is_posted_signed() -> None:
    seen: list[httpx.Request] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    hook = BreachWebhook(
        "https://mes.example/hooks", SECRET, httpx.Client(transport=httpx.MockTransport(receiver))
    )
    hook(BREACH)
    (request,) = seen
    body = Webhook(SECRET).verify(request.content, dict(request.headers))
    assert body == json.loads(request.content)
    assert (body["change"], body["plant"], body["overdue_hours"]) == ("ECO-1", "DE01", 2.0)
    assert request.headers["webhook-id"] == "sla-7"  # stable: a receiver can deduplicate


def test_a_receiver_that_is_down_does_not_stop_the_watch() -> None:
    tried: list[str] = []

    def down(request: httpx.Request) -> httpx.Response:
        tried.append(request.headers["webhook-id"])
        raise httpx.ConnectError("refused", request=request)

    hook = BreachWebhook(
        "https://mes.example/hooks", SECRET, httpx.Client(transport=httpx.MockTransport(down))
    )
    hook(BREACH)  # logged, not raised: the watch goes on to the next breach
    assert tried == ["sla-7"]
