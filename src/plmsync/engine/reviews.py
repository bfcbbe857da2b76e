"""`ReviewDesk`: the review queue (`plmsync.ports.reviews.ReviewQueue`) on the engine's store,
for the CLI and the API alike.

- Approving a checkpoint task puts its job back in the queue; the re-run posts without
  stopping at the hits the approval covered (engine/holds.py).
- Rejecting one cancels its job: nothing is posted for that plant.
- A drift task (reconcile, review-policy attribute) moves no job: approval lets the next
  `reconcile --heal` restore PLM's value, rejection keeps the ERP's.
Every decision is audited with who made it and why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from plmsync.ports.reviews import ReviewStatus, ReviewTask
from plmsync.ports.store import AuditDraft, JobStore

if TYPE_CHECKING:
    from plmsync.ports.reviews import ReviewQueue


class ReviewDesk:
    def __init__(self, store: JobStore):
        self.store = store

    def tasks(self, *, status: ReviewStatus | None = ReviewStatus.OPEN) -> list[ReviewTask]:
        return self.store.review_tasks(status=status)

    def task(self, task: int) -> ReviewTask:
        return self.store.review_task(task)

    def approve(self, task: int, *, by: str, comment: str = "") -> ReviewTask:
        return self._decide(task, ReviewStatus.APPROVED, by, comment)

    def reject(self, task: int, *, by: str, comment: str = "") -> ReviewTask:
        return self._decide(task, ReviewStatus.REJECTED, by, comment)

    def _decide(self, task: int, status: ReviewStatus, by: str, comment: str) -> ReviewTask:
        decided = self.store.decide_review(task, status, by=by, comment=comment)
        self.store.audit(_entry(self.store, decided, by, comment))
        return decided


def _entry(store: JobStore, task: ReviewTask, by: str, comment: str) -> AuditDraft:
    event = store.event(store.job(task.job).event)
    return AuditDraft(
        change_number=task.change_number,
        action=f"review.{task.status.value}",
        plant=task.plant,
        event_id=event.event_id,
        payload_hash=event.content_hash,
        actor=by,
        outcome=task.status.value,
        details={
            "review": task.id,
            "job": task.job,
            "kind": task.details.get("kind"),
            "owner_role": task.owner_role,
            "comment": comment,
        },
    )


if TYPE_CHECKING:  # mypy proves the desk implements the port

    def _implements_the_port(desk: ReviewDesk) -> ReviewQueue:
        return desk
