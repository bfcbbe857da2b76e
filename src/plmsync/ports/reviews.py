"""Review tasks: a person approves or rejects a change for a plant before it syncs.

The review queue itself is built later (governance checkpoints put jobs in
`waiting_review`); the API already serves its routes against this port, with `NoReviews`
until then, so the routes, their scopes and their documentation do not move when it lands.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from plmsync.domain.errors import PlmsyncError


class ReviewStatus(StrEnum):
    OPEN = "open"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True)
class ReviewTask:
    id: int
    change_number: str
    plant: str
    job: int
    reason: str  # why the change waits: the checkpoint rule and what it found
    owner_role: str
    status: ReviewStatus
    created_at: dt.datetime
    decided_at: dt.datetime | None = None
    decided_by: str = ""
    comment: str = ""
    details: dict[str, object] = field(default_factory=dict)


class ReviewNotFound(PlmsyncError, LookupError):
    code = "PLMSYNC-REVIEW-NOT-FOUND"
    remedy = "List the open review tasks (GET /v1/reviews) and use one of their ids."

    def __init__(self, task: int):
        super().__init__(f"no review task with id {task}")
        self.task = task


class ReviewQueue(Protocol):
    def tasks(self, *, status: ReviewStatus | None = ReviewStatus.OPEN) -> list[ReviewTask]: ...

    def task(self, task: int) -> ReviewTask:
        """The task, or ReviewNotFound."""

    def approve(self, task: int, *, by: str, comment: str = "") -> ReviewTask:
        """Approve: the waiting job goes back to the queue (audited with `by`)."""

    def reject(self, task: int, *, by: str, comment: str = "") -> ReviewTask:
        """Reject: the waiting job is cancelled (audited with `by`)."""


class NoReviews:
    """The queue before review tasks exist: always empty."""

    def tasks(self, *, status: ReviewStatus | None = ReviewStatus.OPEN) -> list[ReviewTask]:
        return []

    def task(self, task: int) -> ReviewTask:
        raise ReviewNotFound(task)

    def approve(self, task: int, *, by: str, comment: str = "") -> ReviewTask:
        raise ReviewNotFound(task)

    def reject(self, task: int, *, by: str, comment: str = "") -> ReviewTask:
        raise ReviewNotFound(task)
