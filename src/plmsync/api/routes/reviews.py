"""Review tasks: list and read (changes:read); approve or reject (reviews:approve).

Served against the `ReviewQueue` port: empty until review tasks are built."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query

from plmsync.api.deps import ChangesReader, Reviewer, Services, StoreId
from plmsync.api.models.operations import Decision, ReviewList, ReviewTaskOut
from plmsync.api.problems import AUTHENTICATED, documented
from plmsync.api.views.operations import review
from plmsync.ports.reviews import ReviewStatus

router = APIRouter(prefix="/v1/reviews", tags=["reviews"], responses=AUTHENTICATED)
Status = Literal["open", "approved", "rejected", "all"]
DecisionBody = Annotated[Decision | None, Body()]


@router.get("", response_model=ReviewList, responses=documented(422))
def list_reviews(
    _: ChangesReader, found: Services, status: Annotated[Status, Query()] = "open"
) -> ReviewList:
    wanted = None if status == "all" else ReviewStatus(status)
    return ReviewList(reviews=[review(t) for t in found.reviews.tasks(status=wanted)])


@router.get("/{task}", response_model=ReviewTaskOut, responses=documented(404, 422))
def show_review(_: ChangesReader, found: Services, task: StoreId) -> ReviewTaskOut:
    return review(found.reviews.task(task))


@router.post(
    "/{task}/approve", response_model=ReviewTaskOut, responses=documented(400, 404, 409, 422)
)
def approve_review(
    caller: Reviewer, found: Services, task: StoreId, decision: DecisionBody = None
) -> ReviewTaskOut:
    """Approve: the waiting change goes on to sync for that plant."""
    comment = decision.comment if decision else ""
    return review(found.reviews.approve(task, by=caller.actor, comment=comment))


@router.post(
    "/{task}/reject", response_model=ReviewTaskOut, responses=documented(400, 404, 409, 422)
)
def reject_review(
    caller: Reviewer, found: Services, task: StoreId, decision: DecisionBody = None
) -> ReviewTaskOut:
    """Reject: the waiting change is cancelled for that plant."""
    comment = decision.comment if decision else ""
    return review(found.reviews.reject(task, by=caller.actor, comment=comment))
