"""Dead letters, reviews, audit, tokens, webhooks, health: the operator's side."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from plmsync.api.models.changes import Accepted, JobRef


class AttemptOut(BaseModel):
    number: int
    at: dt.datetime
    error_code: str
    message: str


class DeadLetterOut(BaseModel):
    id: int
    event: int
    job: int | None
    change: str
    plant: str = ""
    error_code: str
    message: str
    status: str = Field(description="open | replayed | discarded")
    created_at: dt.datetime
    attempts: int
    resolved_at: dt.datetime | None = None
    resolved_by: str = ""


class DeadLetterList(BaseModel):
    dead_letters: list[DeadLetterOut]


class DeadLetterDetail(DeadLetterOut):
    event_id: str
    step: dict[str, Any] | None = Field(default=None, description="The plan step that failed.")
    erp_messages: list[dict[str, Any]] = Field(default_factory=list)
    history: list[AttemptOut]
    payload: str = Field(description="The original payload, exactly as received (UTF-8).")
    edited_payload: str | None = None


class ReplayOut(BaseModel):
    letter: DeadLetterOut
    requeued_job: int | None = None
    resubmitted: Accepted | None = Field(
        default=None, description="Set when an edited payload was submitted as a new event."
    )


class ReviewTaskOut(BaseModel):
    id: int
    change: str
    plant: str
    job: int
    reason: str
    owner_role: str
    status: str = Field(description="open | approved | rejected")
    created_at: dt.datetime
    decided_at: dt.datetime | None = None
    decided_by: str = ""
    comment: str = ""


class ReviewList(BaseModel):
    reviews: list[ReviewTaskOut]


class Decision(BaseModel):
    comment: str = Field(default="", max_length=2000)


class AuditEntryOut(BaseModel):
    sequence: int
    at: dt.datetime
    action: str
    plant: str = ""
    event_id: str = ""
    payload_hash: str = ""
    actor: str
    erp_model: str = ""
    record_ids: list[int | str] = Field(default_factory=list)
    operation: str = ""
    attempt: int = 0
    outcome: str = ""
    details: dict[str, Any] = Field(default_factory=dict)
    hash: str


class AuditTrail(BaseModel):
    change: str
    entries: list[AuditEntryOut]


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    scope: str


class WebhookReceipt(BaseModel):
    webhook_id: str
    duplicate: bool = Field(description="True: this id was delivered before; nothing was done.")
    status: str = Field(description="accepted | duplicate | rejected (stored, dead-lettered)")
    change: str
    event: int
    jobs: list[JobRef]


class Health(BaseModel):
    status: str = "ok"


class CheckOut(BaseModel):
    name: str
    ok: bool
    code: str = ""


class Readiness(BaseModel):
    ready: bool
    checks: list[CheckOut]
