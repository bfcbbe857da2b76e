"""The engine's durable state: inbox, jobs, steps, object locks, dead letters, audit trail.

One implementation (`plmsync.persistence.SqlStore`) with two dialects: SQLite (WAL,
synchronous=FULL, BEGIN IMMEDIATE) embedded, PostgreSQL (FOR UPDATE SKIP LOCKED) to scale
out. Every method is one transaction: when it returns, what it wrote is durable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from plmsync.engine.model import (
    AuditEntry,
    DeadLetter,
    InboxEvent,
    Job,
    JobState,
    StepRecord,
    Transition,
)
from plmsync.ports.reviews import ReviewStatus, ReviewTask


@dataclass(frozen=True)
class Received:
    """The outcome of storing an incoming payload."""

    event: InboxEvent
    jobs: tuple[Job, ...]  # empty for duplicates and rejections

    @property
    def duplicate(self) -> bool:
        return self.event.duplicate_of is not None


@dataclass(frozen=True)
class NewJob:
    plant: str
    effective_from: dt.date | None = None


@dataclass(frozen=True)
class AuditDraft:
    """An audit entry before the store gives it its sequence number and chain hash."""

    change_number: str
    action: str
    plant: str = ""
    event_id: str = ""
    payload_hash: str = ""
    actor: str = "plmsync"
    erp_model: str = ""
    record_ids: tuple[int | str, ...] = ()
    operation: str = ""
    attempt: int = 0
    outcome: str = ""
    details: dict[str, Any] | None = None


class ReviewKind(StrEnum):
    CHECKPOINT = "checkpoint"  # a job waits in waiting_review until it is decided
    DRIFT = "drift"  # reconcile found an ERP edit on a review-policy attribute


@dataclass(frozen=True)
class ReviewDraft:
    """A review task before the store gives it its id, status and creation time."""

    job: int
    change_number: str
    plant: str
    kind: ReviewKind
    reason: str
    owner_role: str
    identity: str  # what an approval covers: a re-run skips checkpoint hits already approved
    details: dict[str, Any]


@dataclass(frozen=True)
class SyncedRecord:
    """The last record plmsync posted for one ERP object of a plant (domain/codec.py JSON)."""

    kind: str
    key: str
    desired: dict[str, Any]
    job: int
    change_number: str
    posted_at: dt.datetime | None


# Audit actions that are a person's doing, counted as touchpoints (engine/replay.py, and
# Engine.activate when a person asks).
REPLAY_ACTIONS = ("deadletter.replayed", "deadletter.edited")
MANUAL_ACTIVATION = "activation.requested"


@dataclass(frozen=True)
class Touchpoints:
    """How often people had to step in for one change."""

    reviews: int = 0  # review tasks opened
    replays: int = 0  # dead letters replayed (as is or edited)
    activations: int = 0  # `plmsync activate` runs that queued one of its plants

    @property
    def total(self) -> int:
        return self.reviews + self.replays + self.activations


class JobStore(Protocol):
    # --- inbox ------------------------------------------------------------------------
    def receive(
        self,
        raw: bytes,
        *,
        event_id: str,
        source_system: str,
        change_number: str,
        jobs: Sequence[NewJob],
        error_code: str = "",
        error_detail: str = "",
    ) -> Received:
        """Store the raw payload and enqueue its jobs in one transaction (nothing is
        acknowledged before this returns). A duplicate — same event id, or same change and
        content hash — is recorded as such and enqueues nothing. With `error_code` the event
        is stored as rejected and a dead letter is opened for it."""

    def event(self, event: int) -> InboxEvent: ...
    def raw_payload(self, event: int) -> bytes: ...
    def events_for(self, change_number: str) -> list[InboxEvent]: ...

    # --- jobs -------------------------------------------------------------------------
    def claim(self, worker: str, now: dt.datetime, lease: dt.timedelta) -> Job | None:
        """Take the oldest claimable job whose run_after has passed; running + leased."""

    def heartbeat(self, job: int, worker: str, until: dt.datetime) -> bool:
        """Extend the lease; False if the job is no longer this worker's (reclaimed)."""

    def reclaim_expired(self, now: dt.datetime) -> list[Job]:
        """Running jobs whose lease ran out go back to retrying (their worker died)."""

    def transition(
        self,
        job: int,
        to: JobState,
        *,
        reason: str = "",
        worker: str | None = None,
        run_after: dt.datetime | None = None,
        error_code: str = "",
        error_message: str = "",
        count_attempt: bool = False,
    ) -> Job:
        """Move a job to `to` (only along `ALLOWED`), write the transition row, clear the
        lease when leaving running. With `worker`, refuse unless that worker holds it."""

    def job(self, job: int) -> Job: ...
    def jobs(
        self, *, change_number: str | None = None, states: Collection[JobState] = ()
    ) -> list[Job]: ...
    def transitions(self, job: int) -> list[Transition]: ...
    def due_staged(self, as_of: dt.date) -> list[Job]: ...
    def pending_revisions(self, plant: str, exclude_job: int) -> list[tuple[Job, bytes]]:
        """Non-terminal jobs of a plant other than `exclude_job`, with their raw payload
        (the revision guard reads which item revisions they carry)."""

    # --- per-ERP-object locks ------------------------------------------------------------
    def lock_objects(
        self, job: int, keys: Collection[str], now: dt.datetime, until: dt.datetime
    ) -> bool:
        """All or nothing: lock every key for `job`, unless a live lock of another job holds
        one of them (expired locks are taken over)."""

    def release_locks(self, job: int) -> None: ...

    # --- steps ------------------------------------------------------------------------
    def steps_started(self, job: int, steps: Sequence[StepRecord]) -> None: ...
    def steps_finished(self, job: int, steps: Sequence[StepRecord]) -> None: ...
    def steps(self, job: int) -> list[StepRecord]: ...

    # --- dead letters -------------------------------------------------------------------
    def dead_letter(self, letter: DeadLetter) -> DeadLetter:
        """Store it (its id and created_at are assigned by the store)."""

    def dead_letters(self, *, status: str | None = "open") -> list[DeadLetter]: ...
    def dead_letter_by_id(self, letter: int) -> DeadLetter: ...
    def resolve_dead_letter(
        self, letter: int, status: str, *, by: str, edited_payload: bytes | None = None
    ) -> DeadLetter: ...

    # --- review tasks ------------------------------------------------------------------------
    def hold_for_review(self, job: int, worker: str, task: ReviewDraft) -> tuple[Job, ReviewTask]:
        """Open the task and move the job (running, held by `worker`) to waiting_review, in
        one transaction: a crash cannot leave a waiting job without its task, or two tasks."""

    def open_review(self, task: ReviewDraft) -> ReviewTask | None:
        """Open a task no job waits on (drift); None when one with its identity is open."""

    def review_tasks(
        self,
        *,
        status: ReviewStatus | None = None,
        job: int | None = None,
        change_number: str | None = None,
    ) -> list[ReviewTask]: ...
    def review_task(self, task: int) -> ReviewTask:
        """The task, or ReviewNotFound."""

    def decide_review(
        self, task: int, status: ReviewStatus, *, by: str, comment: str = ""
    ) -> ReviewTask:
        """Approve or reject an open task (StateConflict otherwise); a checkpoint task's job
        goes back to the queue (approved) or is cancelled (rejected) in the same transaction."""

    # --- what was synced, and what people did -------------------------------------------------
    def synced_records(
        self, plant: str, keys: Collection[tuple[str, str]] | None = None
    ) -> list[SyncedRecord]:
        """The last record posted per (kind, key) by succeeded jobs of the plant (optionally
        only these objects); objects whose last step retired them are left out."""

    def posted_before(self, plant: str, kind: str, key: str, job: int) -> SyncedRecord | None:
        """The record a succeeded job older than `job` last posted for this object of the
        plant: what the ERP held before `job` (the dashboard's old/new comparison)."""

    def touchpoints(self, change_number: str | None = None) -> dict[str, Touchpoints]:
        """Per change: review tasks, dead-letter replays and manual activations."""

    # --- audit trail (append-only, hash-chained) -------------------------------------------
    def audit(self, draft: AuditDraft) -> AuditEntry: ...
    def audit_trail(self, change_number: str | None = None) -> list[AuditEntry]: ...
    def verify_audit(self) -> AuditEntry | None:
        """None if the chain is intact, else the first entry whose hash does not match."""
