"""Review tasks: a person approves or rejects what a checkpoint held, or drift reconcile found.

Opening a checkpoint task and parking its job in waiting_review is one transaction, and so is
deciding a task and moving its job on: the queue never shows a waiting job without its task,
nor a decided task whose job still waits.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from plmsync.engine.errors import NotFound, StateConflict
from plmsync.engine.model import Job, JobState
from plmsync.engine.outbox import review_event
from plmsync.persistence.base import StoreBase, new_id
from plmsync.persistence.jobs import check_move, move
from plmsync.persistence.outbox import emit
from plmsync.persistence.tables import jobs, review_tasks
from plmsync.ports.reviews import ReviewNotFound, ReviewStatus, ReviewTask
from plmsync.ports.store import ReviewDraft, ReviewKind

_OUTCOME = {ReviewStatus.APPROVED: JobState.QUEUED, ReviewStatus.REJECTED: JobState.CANCELLED}


class ReviewsMixin(StoreBase):
    def hold_for_review(self, job: int, worker: str, task: ReviewDraft) -> tuple[Job, ReviewTask]:
        now = self._now()
        with self._write() as connection:
            state, holder = _job_state(connection, job)
            check_move(job, state, JobState.WAITING_REVIEW, worker, holder)
            created = _insert(connection, task, now)
            reason = f"waiting for review task {created.id} ({task.owner_role}): {task.reason}"
            moved = move(connection, job, state, JobState.WAITING_REVIEW, now, reason, {})
            return moved, created

    def open_review(self, task: ReviewDraft) -> ReviewTask | None:
        with self._write() as connection:
            if _open_with(connection, task.job, task.identity):
                return None
            return _insert(connection, task, self._now())

    def review_tasks(
        self,
        *,
        status: ReviewStatus | None = None,
        job: int | None = None,
        change_number: str | None = None,
    ) -> list[ReviewTask]:
        query = sa.select(review_tasks).order_by(review_tasks.c.id)
        if status is not None:
            query = query.where(review_tasks.c.status == ReviewStatus(status).value)
        if job is not None:
            query = query.where(review_tasks.c.job == job)
        if change_number is not None:
            query = query.where(review_tasks.c.change_number == change_number)
        with self._read() as connection:
            return [_task_from(row) for row in connection.execute(query).mappings()]

    def review_task(self, task: int) -> ReviewTask:
        with self._read() as connection:
            return _task(connection, task)

    def decide_review(
        self, task: int, status: ReviewStatus, *, by: str, comment: str = ""
    ) -> ReviewTask:
        decision = ReviewStatus(status)
        if decision not in _OUTCOME:
            raise ValueError(f"a review task is approved or rejected, not {status!r}")
        now = self._now()
        with self._write() as connection:
            found = _task(connection, task, lock=True)
            if found.status is not ReviewStatus.OPEN:
                raise StateConflict(
                    f"review task {task} is already {found.status} (by {found.decided_by})"
                )
            if found.details["kind"] == ReviewKind.CHECKPOINT.value:
                _move_job(connection, found, decision, by, comment, now)
            values = {"status": decision.value, "decided_by": by, "decided_at": now}
            connection.execute(
                sa.update(review_tasks)
                .where(review_tasks.c.id == task)
                .values(comment=comment, **values)
            )
            return _task(connection, task)


def _move_job(
    connection: sa.Connection,
    task: ReviewTask,
    decision: ReviewStatus,
    by: str,
    comment: str,
    now: dt.datetime,
) -> None:
    state, holder = _job_state(connection, task.job)
    to = _OUTCOME[decision]
    check_move(task.job, state, to, None, holder)
    reason = f"review task {task.id} {decision.value} by {by}" + (f": {comment}" if comment else "")
    move(connection, task.job, state, to, now, reason, {"run_after": None})


def _job_state(connection: sa.Connection, job: int) -> tuple[JobState, str]:
    query = sa.select(jobs.c.state, jobs.c.lease_owner).where(jobs.c.id == job).with_for_update()
    row = connection.execute(query).first()
    if row is None:
        raise NotFound("job", job)
    return JobState(row.state), row.lease_owner


def _insert(connection: sa.Connection, task: ReviewDraft, now: dt.datetime) -> ReviewTask:
    values = {
        "job": task.job,
        "change_number": task.change_number,
        "plant": task.plant,
        "kind": task.kind.value,
        "reason": task.reason,
        "owner_role": task.owner_role,
        "status": ReviewStatus.OPEN.value,
        "identity": task.identity,
        "details": task.details,
        "created_at": now,
        "decided_by": "",
        "comment": "",
    }
    result = connection.execute(sa.insert(review_tasks).values(values))
    created = _task(connection, new_id(result))
    emit(connection, review_event(created), now)  # review.opened commits with the task
    return created


def _open_with(connection: sa.Connection, job: int, identity: str) -> bool:
    query = sa.select(review_tasks.c.id).where(
        review_tasks.c.job == job,
        review_tasks.c.identity == identity,
        review_tasks.c.status == ReviewStatus.OPEN.value,
    )
    return connection.execute(query).first() is not None


def _task(connection: sa.Connection, task: int, *, lock: bool = False) -> ReviewTask:
    query = sa.select(review_tasks).where(review_tasks.c.id == task)
    row = connection.execute(query.with_for_update() if lock else query).mappings().first()
    if row is None:
        raise ReviewNotFound(task)
    return _task_from(row)


def _task_from(row: sa.RowMapping) -> ReviewTask:
    return ReviewTask(
        id=row["id"],
        change_number=row["change_number"],
        plant=row["plant"],
        job=row["job"],
        reason=row["reason"],
        owner_role=row["owner_role"],
        status=ReviewStatus(row["status"]),
        created_at=row["created_at"],
        decided_at=row["decided_at"],
        decided_by=row["decided_by"],
        comment=row["comment"],
        details={**row["details"], "kind": row["kind"]},
    )
