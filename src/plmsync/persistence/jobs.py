"""Sync jobs: claim with a lease, heartbeat, reclaim from dead workers, move along `ALLOWED`.

Every change of state writes a `job_transitions` row in the same transaction. Claiming is
one write transaction: on SQLite, BEGIN IMMEDIATE means one claimer at a time; on
PostgreSQL, `FOR UPDATE SKIP LOCKED` lets claimers pass each other's rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

import sqlalchemy as sa

from plmsync.engine.errors import LEASE_EXPIRED, IllegalTransition, LeaseLost, NotFound
from plmsync.engine.model import ALLOWED, Job, JobState, Transition
from plmsync.persistence import rows
from plmsync.persistence.base import StoreBase, one
from plmsync.persistence.outbox import emit_for_job
from plmsync.persistence.tables import events, job_transitions, jobs

_CLAIMABLE = [state.value for state in JobState if state.claimable]
_TERMINAL = [state.value for state in JobState if state.terminal]

# The queue's hot path runs prebuilt statements with parameters: building and cache-keying a
# statement per call cost more than SQLite needs to execute it.
_CLAIM = (
    sa.select(jobs.c.id, jobs.c.state)
    .where(
        jobs.c.state.in_(_CLAIMABLE),
        sa.or_(jobs.c.run_after.is_(None), jobs.c.run_after <= sa.bindparam("now")),
    )
    .order_by(jobs.c.id)
    .limit(1)
    .with_for_update(skip_locked=True)
)
# SET columns come from the parameters; `job_key` (not a column name) selects the row.
_MOVE = sa.update(jobs).where(jobs.c.id == sa.bindparam("job_key")).returning(*jobs.c)
_MOVE_COUNTING = _MOVE.values(attempts=jobs.c.attempts + 1)
_TRANSITION = sa.insert(job_transitions)
_FOR_UPDATE = (
    sa.select(jobs.c.state, jobs.c.lease_owner)
    .where(jobs.c.id == sa.bindparam("job_key"))
    .with_for_update()
)


class JobsMixin(StoreBase):
    def claim(self, worker: str, now: dt.datetime, lease: dt.timedelta) -> Job | None:
        with self._write() as connection:
            row = connection.execute(_CLAIM, {"now": now}).first()
            if row is None:
                return None
            lease_values = {"lease_owner": worker, "lease_expires_at": now + lease}
            reason = f"claimed by {worker}"
            before = JobState(row.state)
            return move(connection, row.id, before, JobState.RUNNING, now, reason, lease_values)

    def heartbeat(self, job: int, worker: str, until: dt.datetime) -> bool:
        held = sa.and_(
            jobs.c.id == job,
            jobs.c.state == JobState.RUNNING.value,
            jobs.c.lease_owner == worker,
        )
        with self._write() as connection:
            result = connection.execute(
                sa.update(jobs).where(held).values(lease_expires_at=until, updated_at=self._now())
            )
            return result.rowcount == 1

    def reclaim_expired(self, now: dt.datetime) -> list[Job]:
        query = (
            sa.select(jobs.c.id, jobs.c.lease_owner)
            .where(jobs.c.state == JobState.RUNNING.value, jobs.c.lease_expires_at < now)
            .order_by(jobs.c.id)
            .with_for_update(skip_locked=True)
        )
        with self._write() as connection:
            expired = connection.execute(query).all()
            return [_reclaim(connection, row.id, row.lease_owner, now) for row in expired]

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
        to = JobState(to)
        values: dict[str, Any] = {"run_after": run_after}
        if error_code:
            values["last_error_code"] = error_code
        if error_message:
            values["last_error_message"] = error_message
        with self._write() as connection:
            row = connection.execute(_FOR_UPDATE, {"job_key": job}).first()
            if row is None:
                raise NotFound("job", job)
            current = JobState(row.state)
            check_move(job, current, to, worker, row.lease_owner)
            return move(
                connection, job, current, to, self._now(), reason, values, count=count_attempt
            )

    def job(self, job: int) -> Job:
        with self._read() as connection:
            return _job(connection, job)

    def jobs(
        self, *, change_number: str | None = None, states: Collection[JobState] = ()
    ) -> list[Job]:
        query = sa.select(jobs)
        if change_number is not None:
            query = query.where(jobs.c.change_number == change_number)
        if states:
            query = query.where(jobs.c.state.in_([JobState(s).value for s in states]))
        return self._jobs(query)

    def transitions(self, job: int) -> list[Transition]:
        query = sa.select(job_transitions).where(job_transitions.c.job == job)
        with self._read() as connection:
            found = connection.execute(query.order_by(job_transitions.c.id)).mappings()
            return [rows.transition_from(row) for row in found]

    def due_staged(self, as_of: dt.date) -> list[Job]:
        return self._jobs(
            sa.select(jobs).where(
                jobs.c.state == JobState.STAGED.value, jobs.c.effective_from <= as_of
            )
        )

    def pending_revisions(self, plant: str, exclude_job: int) -> list[tuple[Job, bytes]]:
        query = (
            sa.select(jobs, events.c.raw)
            .join(events, events.c.id == jobs.c.event)
            .where(
                jobs.c.plant == plant,
                jobs.c.id != exclude_job,
                jobs.c.state.not_in(_TERMINAL),
            )
            .order_by(jobs.c.id)
        )
        with self._read() as connection:
            found = connection.execute(query).mappings()
            return [(rows.job_from(row), bytes(row["raw"])) for row in found]

    def _jobs(self, query: sa.Select[Any]) -> list[Job]:
        with self._read() as connection:
            found = connection.execute(query.order_by(jobs.c.id)).mappings()
            return [rows.job_from(row) for row in found]


def move(
    connection: sa.Connection,
    job: int,
    before: JobState | None,
    to: JobState,
    at: dt.datetime,
    reason: str,
    values: dict[str, Any],
    *,
    count: bool = False,
) -> Job:
    """Set the job's state (and `values`; `count` adds an attempt), write its transition row
    and the outbound events the move causes, return the job as it now is. Leaving running
    always drops the lease."""
    if before is JobState.RUNNING:
        values = {**values, "lease_owner": "", "lease_expires_at": None}
    parameters = {**values, "job_key": job, "state": to.value, "updated_at": at}
    moved = connection.execute(_MOVE_COUNTING if count else _MOVE, parameters).mappings().one()
    connection.execute(
        _TRANSITION,
        {
            "job": job,
            "from_state": None if before is None else before.value,
            "to_state": to.value,
            "at": at,
            "reason": reason,
        },
    )
    moved_job = rows.job_from(moved)
    emit_for_job(connection, moved_job, at)  # its outbound event commits with the move
    return moved_job


def _reclaim(connection: sa.Connection, job: int, owner: str, now: dt.datetime) -> Job:
    """A crashed run counts as an attempt, so a job that kills its worker cannot loop forever."""
    reason = f"lease expired: worker {owner} stopped heartbeating"
    values = {"run_after": now, "last_error_code": LEASE_EXPIRED, "last_error_message": reason}
    return move(
        connection, job, JobState.RUNNING, JobState.RETRYING, now, reason, values, count=True
    )


def check_move(job: int, current: JobState, to: JobState, worker: str | None, holder: str) -> None:
    if worker is not None and (current is not JobState.RUNNING or holder != worker):
        raise LeaseLost(job, worker, holder if current is JobState.RUNNING else "")
    if to not in ALLOWED[current]:
        raise IllegalTransition(job, current, to)


def _job(connection: sa.Connection, job: int) -> Job:
    return rows.job_from(one(connection, sa.select(jobs).where(jobs.c.id == job), "job", job))
