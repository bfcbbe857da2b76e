"""What running a job reports to whoever watches (a progress bar, the worker's log)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from plmsync.domain.plan import Plan
from plmsync.engine.model import Job


class Outcome(StrEnum):
    SUCCEEDED = "succeeded"
    STAGED = "staged"
    SUPERSEDED = "superseded"
    SKIPPED = "skipped"  # the change's kind and state are not configured to sync
    WAITING_REVIEW = "waiting_review"  # a checkpoint holds it for a person
    RETRYING = "retrying"
    WAITING = "waiting"  # another job holds one of its ERP objects; not an error
    DEAD = "dead"
    LOST = "lost"  # another worker took the job over (this one's lease ran out)


@dataclass(frozen=True)
class JobReport:
    job: Job
    outcome: Outcome
    posted: int = 0
    plan: Plan | None = None
    error: BaseException | None = None
    reason: str = ""


@dataclass(frozen=True)
class Planned:
    """About to write `plan` for `job` (a progress display sizes its bar from it)."""

    job: Job
    plan: Plan


Listener = Callable[[Planned | JobReport], None]
