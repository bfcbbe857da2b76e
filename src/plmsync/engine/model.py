"""The durable engine's vocabulary: inbox events, sync jobs and their states, steps, dead
letters and audit entries. Pure data; storage lives in `plmsync.persistence`.

One sync job exists per (event, plant). Its life (procrastinate-style, one row per change of
state kept in job_transitions):

    queued ──claim──▶ running ──▶ succeeded
       ▲                 │ ├──▶ retrying ──(run_after)──▶ running …   (transient errors)
       │                 │ ├──▶ staged ──(effective date due)──▶ queued  (future effectivity)
       │                 │ ├──▶ waiting_review ──approve──▶ queued / reject ──▶ cancelled
       │                 │ ├──▶ superseded   (an older revision than ERP or a pending job has)
       │                 │ ├──▶ skipped      (change kind/state not configured to sync)
       │                 │ └──▶ dead         (rejected, or retries exhausted) ──replay──▶ queued
       └── lease expired (worker died) ◀──┘
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    RETRYING = "retrying"
    WAITING_REVIEW = "waiting_review"
    STAGED = "staged"
    SUCCEEDED = "succeeded"
    SUPERSEDED = "superseded"
    SKIPPED = "skipped"
    DEAD = "dead"
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        return self in _TERMINAL

    @property
    def claimable(self) -> bool:
        return self in (JobState.QUEUED, JobState.RETRYING)


_TERMINAL = {
    JobState.SUCCEEDED,
    JobState.SUPERSEDED,
    JobState.SKIPPED,
    JobState.DEAD,
    JobState.CANCELLED,
}

# Which state may follow which. Anything else is a bug and the store refuses it.
ALLOWED: dict[JobState, frozenset[JobState]] = {
    JobState.QUEUED: frozenset({JobState.RUNNING, JobState.CANCELLED, JobState.SUPERSEDED}),
    JobState.RETRYING: frozenset({JobState.RUNNING, JobState.CANCELLED, JobState.SUPERSEDED}),
    JobState.RUNNING: frozenset(
        {
            JobState.SUCCEEDED,
            JobState.RETRYING,  # transient error, or lease expired (worker died)
            JobState.STAGED,
            JobState.WAITING_REVIEW,
            JobState.SUPERSEDED,
            JobState.SKIPPED,
            JobState.DEAD,
        }
    ),
    JobState.STAGED: frozenset({JobState.QUEUED, JobState.CANCELLED, JobState.SUPERSEDED}),
    JobState.WAITING_REVIEW: frozenset({JobState.QUEUED, JobState.CANCELLED}),
    JobState.DEAD: frozenset({JobState.QUEUED, JobState.CANCELLED}),  # replay / discard
    JobState.SUCCEEDED: frozenset(),
    JobState.SUPERSEDED: frozenset(),
    JobState.SKIPPED: frozenset(),
    JobState.CANCELLED: frozenset(),
}


class EventStatus(StrEnum):
    ACCEPTED = "accepted"  # stored, jobs enqueued
    DUPLICATE = "duplicate"  # same event id, or same change + content hash as an earlier one
    REJECTED = "rejected"  # not a valid package: kept with its error code, replayable


@dataclass(frozen=True, slots=True)
class InboxEvent:
    id: int
    event_id: str
    source_system: str
    change_number: str  # "" when the payload could not be read
    content_hash: str  # sha256 of the raw bytes
    received_at: dt.datetime
    status: EventStatus
    duplicate_of: int | None = None
    error_code: str = ""
    error_detail: str = ""


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    event: int  # InboxEvent.id
    change_number: str
    plant: str
    state: JobState
    attempts: int = 0
    run_after: dt.datetime | None = None
    effective_from: dt.date | None = None
    lease_owner: str = ""
    lease_expires_at: dt.datetime | None = None
    last_error_code: str = ""
    last_error_message: str = ""
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Transition:
    job: int
    from_state: JobState | None
    to_state: JobState
    at: dt.datetime
    reason: str = ""


class StepStatus(StrEnum):
    STARTED = "started"  # recorded before the ERP call: after a crash its outcome is unknown
    POSTED = "posted"  # the ERP confirmed it
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class StepRecord:
    job: int
    idempotency_key: str
    kind: str
    object_key: str
    action: str
    revision: str
    content_hash: str
    status: StepStatus
    attempt: int
    erp_model: str = ""
    record_ids: tuple[int | str, ...] = ()
    error_code: str = ""
    # The record the step wrote (domain/codec.py JSON; None for a retirement): reconcile
    # compares the last one posted with what the ERP holds now.
    desired: dict[str, Any] | None = None


class DeadLetterStatus(StrEnum):
    OPEN = "open"
    REPLAYED = "replayed"
    DISCARDED = "discarded"


@dataclass(frozen=True, slots=True)
class Attempt:
    number: int
    at: dt.datetime
    error_code: str
    message: str


@dataclass(frozen=True)
class DeadLetter:
    """What failed, with everything needed to understand and replay it."""

    id: int
    event: int
    job: int | None  # None when the event itself was rejected before any job existed
    error_code: str
    message: str
    status: DeadLetterStatus
    created_at: dt.datetime
    step: dict[str, Any] | None = None  # the plan step that failed, if one did
    erp_messages: tuple[dict[str, Any], ...] = ()
    attempts: tuple[Attempt, ...] = ()
    edited_payload: bytes | None = None  # a corrected payload to replay with (audited)
    resolved_at: dt.datetime | None = None
    resolved_by: str = ""


@dataclass(frozen=True)
class AuditEntry:
    """One link of the hash chain: who/what/when, from PLM approval to ERP transaction."""

    sequence: int
    at: dt.datetime
    change_number: str
    action: str  # e.g. event.received, job.succeeded, erp.posted, deadletter.replayed
    plant: str = ""
    event_id: str = ""
    payload_hash: str = ""
    actor: str = "plmsync"
    erp_model: str = ""
    record_ids: tuple[int | str, ...] = ()
    operation: str = ""
    attempt: int = 0
    outcome: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    previous_hash: str = ""
    hash: str = ""
