"""`POST /v1/events`: the PLM's webhook (Standard Webhooks), authenticated by signature.

    verify signature and timestamp (any configured secret) ─ no → 401
    webhook-id delivered before?  ─ yes → 200 {duplicate: true}, nothing stored or run
    engine.submit(body)           ─ stored durably (an unreadable package too: rejected,
                                    dead-lettered, replayable) → remember the webhook-id → 202

The id is remembered only after the payload is stored: if the process dies in between, the
sender's redelivery is stored again and the inbox records it as a duplicate of the first
(same event id and content), so nothing is processed twice and nothing acknowledged is lost.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from plmsync.api.deps import RawBody, Services
from plmsync.api.models.operations import WebhookReceipt
from plmsync.api.openapi import package_body
from plmsync.api.problems import documented
from plmsync.api.security import limit
from plmsync.api.views.changes import job_ref
from plmsync.api.webhooks import WebhookMessage
from plmsync.engine.service import Engine

router = APIRouter(prefix="/v1", tags=["events"])
HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


def verified(request: Request, found: Services, raw: RawBody) -> WebhookMessage:
    limit(found, f"webhook:{request.client.host if request.client else '?'}")
    return found.webhooks.verify(raw, request.headers)


@router.post(
    "/events",
    status_code=202,
    response_model=WebhookReceipt,
    responses={
        200: {"model": WebhookReceipt, "description": "Already delivered: not processed again."},
        **documented(401, 413, 429),
    },
    openapi_extra={
        **package_body(description="The change package, signed per Standard Webhooks."),
        "parameters": [
            {"name": name, "in": "header", "required": True, "schema": {"type": "string"}}
            for name in HEADERS
        ],
        "security": [],
        "x-plmsync-auth": "webhook-signature",
    },
)
def receive_event(
    message: Annotated[WebhookMessage, Depends(verified)], found: Services, response: Response
) -> WebhookReceipt:
    """Store a PLM event durably, then answer `202`; a replayed `webhook-id` gets `200`
    with `duplicate: true` and is not processed again."""
    earlier = found.deliveries.delivered(message.id)
    if earlier is not None:
        response.status_code = 200
        return _receipt(found.engine, message.id, earlier, duplicate=True)
    received = found.engine.submit(message.body, actor="webhook")
    found.metrics.received(received)
    first = found.deliveries.record_delivery(message.id, received.event.id, found.now())
    if not first:  # the same id raced in concurrently; the inbox made this one a duplicate
        response.status_code = 200
    return _receipt(found.engine, message.id, received.event.id, duplicate=not first)


def _receipt(engine: Engine, webhook_id: str, event: int, *, duplicate: bool) -> WebhookReceipt:
    stored = engine.store.event(event)
    return WebhookReceipt(
        webhook_id=webhook_id,
        duplicate=duplicate,
        status=str(stored.status),
        change=stored.change_number,
        event=stored.id,
        jobs=[job_ref(job) for job in engine.jobs_of_event(stored.duplicate_of or stored.id)],
    )
