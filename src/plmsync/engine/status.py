"""Read models for people: one row per change and plant, with progress, dates and errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from plmsync.engine.model import Job, JobState, StepStatus
from plmsync.ports.reviews import ReviewStatus
from plmsync.ports.store import JobStore


@dataclass(frozen=True)
class StatusRow:
    change: str
    plant: str
    job: int
    state: JobState
    steps_done: int
    steps_total: int
    attempts: int
    next_activation: dt.date | None = None
    next_attempt: dt.datetime | None = None
    last_error_code: str = ""
    last_error_message: str = ""
    updated_at: dt.datetime | None = None
    reason: str = ""  # of the job's last change of state (why it is superseded, waiting, …)
    dead_letter: int | None = None  # the open dead letter to replay, when dead
    review: int | None = None  # the open review task to decide, when waiting_review


def status_rows(store: JobStore, change: str | None = None) -> list[StatusRow]:
    """The latest job of each change and plant (a replay's job replaces the dead one)."""
    latest: dict[tuple[str, str], Job] = {}
    for job in store.jobs(change_number=change):
        latest[(job.change_number, job.plant)] = job  # ordered by id: later wins
    return [_row(store, job) for job in latest.values()]


def _row(store: JobStore, job: Job) -> StatusRow:
    recorded = store.steps(job.id)
    state = JobState(job.state)
    transitions = store.transitions(job.id)
    return StatusRow(
        change=job.change_number,
        plant=job.plant,
        job=job.id,
        state=state,
        steps_done=sum(1 for s in recorded if s.status == StepStatus.POSTED),
        steps_total=len(recorded),
        attempts=job.attempts,
        next_activation=job.effective_from if state is JobState.STAGED else None,
        next_attempt=job.run_after if state is JobState.RETRYING else None,
        last_error_code=job.last_error_code,
        last_error_message=job.last_error_message,
        updated_at=job.updated_at,
        reason=transitions[-1].reason if transitions else "",
        dead_letter=_open_letter(store, job) if state is JobState.DEAD else None,
        review=_open_review(store, job) if state is JobState.WAITING_REVIEW else None,
    )


def _open_review(store: JobStore, job: Job) -> int | None:
    return next((t.id for t in store.review_tasks(job=job.id, status=ReviewStatus.OPEN)), None)


def _open_letter(store: JobStore, job: Job) -> int | None:
    return next((d.id for d in store.dead_letters(status="open") if d.job == job.id), None)


def job_rows(store: JobStore, jobs: Iterable[int]) -> list[StatusRow]:
    """Status rows for these jobs exactly (e.g. the jobs one `sync` waits for)."""
    return [_row(store, store.job(job)) for job in jobs]
