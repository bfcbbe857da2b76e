"""Sync jobs: claim with a lease, heartbeat, reclaim from dead workers, move along `ALLOWED`.

Every change of state writes a `job_transitions` row in the same transaction. Claiming is
one write transaction: on SQLite, BEGIN IMMEDIATE means one claimer at a time; on
PostgreSQL, `FOR UPDATE SKIP LOCKED` lets claimers pass each other's rows.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from plmsync.engine.errors import LEASE_EXPIRED, IllegalTransition, LeaseLost, NotFound
from plmsync.engine.model import ALLOWED, Job, JobState, Transition
from plmsync.persistence import rows
from plmsync.persistence.base import StoreBase, one
from plmsync.persistence.outbox import emit_for_job, staged_before
from plmsync.persistence.tables import CLAIMABLE, UtcDateTime, events, job_transitions, jobs

_TERMINAL = [state.value for state in JobState if state.terminal]

# The queue's hot path runs prebuilt statements with parameters: building and cache-keying a
# statement per call cost more than SQLite needs to execute it.
_NOW = sa.bindparam("now", type_=UtcDateTime())
_NEXT = (
    sa.select(jobs.c.id, jobs.c.state)
    .where(
        sa.text(CLAIMABLE),
        sa.or_(jobs.c.run_after.is_(None), jobs.c.run_after <= _NOW),
    )
    .order_by(jobs.c.id)
    .limit(1)
    .with_for_update(skip_locked=True)
)
# SQLite's planner, without statistics, prefers the (state, …) index and sorts every
# claimable job for each claim; walking the partial index in id order stops at the first due
# one. SQLAlchemy renders no index hints for SQLite, hence the text.
_NEXT_SQLITE = (
    sa.text(
        f"SELECT id, state FROM jobs INDEXED BY ix_jobs_claimable WHERE {CLAIMABLE} "
        "AND (run_after IS NULL OR run_after <= :now) ORDER BY id LIMIT 1"
    )
    .bindparams(_NOW)
    .columns(jobs.c.id, jobs.c.state)
)
# SET columns come from the parameters; `job_key` (not a column name) selects the row.
_MOVE = sa.update(jobs).where(jobs.c.id == sa.bindparam("job_key")).returning(*jobs.c)
_MOVE_COUNTING = _MOVE.values(attempts=jobs.c.attempts + 1)
_TRANSITION = sa.insert(job_transitions)
_FOR_UPDATE = (
    sa.select(jobs.c.state, jobs.c.lease_owner, staged_before(jobs.c.id))
    .where(jobs.c.id == sa.bindparam("job_key"))
    .with_for_update(of=jobs)
)


def _claim_in_one_statement() -> sa.Select[Any]:
    """PostgreSQL: pick the next due job, lease it and write its transition row in one
    statement (data-modifying CTEs), so a claim costs one round trip and the commit."""
    picked = _NEXT.cte("picked")
    claimed = (
        sa.update(jobs)
        .where(jobs.c.id == picked.c.id)
        .values(
            state=JobState.RUNNING.value,
            lease_owner=sa.bindparam("worker"),
            lease_expires_at=sa.bindparam("expires", type_=UtcDateTime()),
            updated_at=_NOW,
        )
        .returning(*jobs.c, picked.c.state.label("before"))
        .cte("claimed")
    )
    logged = sa.insert(job_transitions).from_select(
        ["job", "from_state", "to_state", "at", "reason"],
        sa.select(
            claimed.c.id,
            claimed.c.before,
            sa.literal(JobState.RUNNING.value),
            _NOW,
            sa.bindparam("reason"),
        ),
    )
    return sa.select(claimed).add_cte(logged.cte("logged"))


_CLAIM_ONE_STATEMENT = _claim_in_one_statement()


class JobsMixin(StoreBase):
    def claim(self, worker: str, now: dt.datetime, lease: dt.timedelta) -> Job | None:
        reason = f"claimed by {worker}"
        with self._write() as connection:
            if self._postgresql:
                parameters = {
                    "now": now,
                    "worker": worker,
                    "expires": now + lease,
                    "reason": reason,
                }
                claimed = connection.execute(_CLAIM_ONE_STATEMENT, parameters).mappings().first()
                return None if claimed is None else rows.job_from(claimed)
            row = connection.execute(_NEXT_SQLITE, {"now": now}).first()
            if row is None:
                return None
            lease_values = {"lease_owner": worker, "lease_expires_at": now + lease}
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
            if worker is not None and to in ALLOWED[JobState.RUNNING]:
                # The worker's own move of the job it runs: one guarded UPDATE, no read first.
                # None when the guard fails or the row is locked: then lock, look and say why.
                now = self._now()
                moved = move_held(
                    connection, job, worker, to, now, reason, values, count=count_attempt
                )
                if moved is not None:
                    return moved
            row = connection.execute(_FOR_UPDATE, {"job_key": job}).first()
            if row is None:
                raise NotFound("job", job)
            current = JobState(row.state)
            check_move(job, current, to, worker, row.lease_owner)
            return move(
                connection,
                job,
                current,
                to,
                self._now(),
                reason,
                values,
                count=count_attempt,
                was_staged=bool(row.was_staged),
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
    was_staged: bool | None = None,
) -> Job:
    """Set the job's state (and `values`; `count` adds an attempt), write its transition row
    and the outbound events the move causes, return the job as it now is. Leaving running
    always drops the lease. `was_staged`, when the caller read it already, saves a query."""
    change = _Change.of(job, before, to, at, reason, values, count)
    moved = _apply(connection, change, to, at, was_staged)
    assert moved is not None, "an unguarded move always finds its row"
    return moved


def move_held(
    connection: sa.Connection,
    job: int,
    worker: str,
    to: JobState,
    at: dt.datetime,
    reason: str,
    values: dict[str, Any],
    *,
    count: bool = False,
) -> Job | None:
    """`move` of a job out of running, only while it runs under `worker`'s lease and no
    other transaction holds its row; None otherwise (the caller then looks at the job)."""
    change = _Change.of(job, JobState.RUNNING, to, at, reason, values, count, held_by=worker)
    return _apply(connection, change, to, at, None)


def _apply(
    connection: sa.Connection,
    change: _Change,
    to: JobState,
    at: dt.datetime,
    was_staged: bool | None,
) -> Job | None:
    if connection.dialect.name == "postgresql" and not to.claimable:
        moved = _move_with_transition(connection, change)
    else:
        moved = _move_then_log(connection, change)
    if moved is None:
        return None
    moved_job = rows.job_from(moved)
    if was_staged is None and "was_staged" in moved:
        was_staged = bool(moved["was_staged"])
    emit_for_job(connection, moved_job, at, was_staged)  # its outbound event commits with the move
    return moved_job


@dataclass(frozen=True)
class _Change:
    job: int
    from_state: str | None
    reason: str
    values: dict[str, Any]
    count: bool
    held_by: str | None

    @classmethod
    def of(
        cls,
        job: int,
        before: JobState | None,
        to: JobState,
        at: dt.datetime,
        reason: str,
        values: dict[str, Any],
        count: bool,
        *,
        held_by: str | None = None,
    ) -> _Change:
        if before is JobState.RUNNING:  # leaving running drops the lease
            values = {**values, "lease_owner": "", "lease_expires_at": None}
        values = {**values, "state": to.value, "updated_at": at}
        from_state = None if before is None else before.value
        return cls(job, from_state, reason, values, count, held_by)

    def parameters(self, prefix: str = "") -> dict[str, Any]:
        found = {f"{prefix}{column}": value for column, value in self.values.items()}
        found["job_key"] = self.job
        if self.held_by is not None:
            found["held_by"] = self.held_by
        return found


def _move_then_log(connection: sa.Connection, change: _Change) -> sa.RowMapping | None:
    """Two statements: the UPDATE that persistence/notify.py watches for jobs becoming
    claimable, then the transition row."""
    statement = _MOVES[change.count, change.held_by is not None]
    moved = connection.execute(statement, change.parameters()).mappings().first()
    if moved is None:
        return None
    values = change.values
    transition = {"job": change.job, "from_state": change.from_state, "to_state": values["state"]}
    connection.execute(
        _TRANSITION, {**transition, "at": values["updated_at"], "reason": change.reason}
    )
    return moved


def _move_with_transition(connection: sa.Connection, change: _Change) -> sa.RowMapping | None:
    """PostgreSQL, for moves that make nothing claimable (so no NOTIFY is due): the UPDATE,
    its transition row and whether the job was ever staged in one statement, one round trip
    instead of three."""
    statement = _one_statement_move(
        tuple(sorted(change.values)), change.count, change.held_by is not None
    )
    parameters = change.parameters(prefix="set_")
    parameters.update(from_state=change.from_state, reason=change.reason)
    return connection.execute(statement, parameters).mappings().first()


def _guarded(update: sa.Update, held: bool) -> sa.Update:
    """With `held`: only while the job runs under that worker's lease, and never waiting for
    a row another transaction has locked (SKIP LOCKED: no row, so the caller takes the path
    that locks first). A move that waited here would carry the time it was asked for rather
    than the time it happened."""
    if not held:
        return update
    free = (
        sa.select(jobs.c.id)
        .where(jobs.c.id == sa.bindparam("job_key"))
        .with_for_update(skip_locked=True)
    )
    return update.where(
        jobs.c.state == JobState.RUNNING.value,
        jobs.c.lease_owner == sa.bindparam("held_by"),
        jobs.c.id.in_(free.scalar_subquery()),
    )


# Prebuilt moves, by (count an attempt, guarded by the worker's lease).
_MOVES = {
    (count, held): _guarded(_MOVE_COUNTING if count else _MOVE, held)
    for count in (False, True)
    for held in (False, True)
}


@functools.cache
def _one_statement_move(columns: tuple[str, ...], count: bool, held: bool) -> sa.Select[Any]:
    """Built once per shape of move, so SQLAlchemy's compiled cache is reused."""
    sets: dict[str, Any] = {
        column: sa.bindparam(f"set_{column}", type_=jobs.c[column].type) for column in columns
    }
    if count:
        sets["attempts"] = jobs.c.attempts + 1
    update = sa.update(jobs).where(jobs.c.id == sa.bindparam("job_key")).values(sets)
    moved = _guarded(update, held).returning(*jobs.c).cte("moved")
    logged = sa.insert(job_transitions).from_select(
        ["job", "from_state", "to_state", "at", "reason"],
        sa.select(
            moved.c.id,
            sa.bindparam("from_state", type_=job_transitions.c.from_state.type),
            moved.c.state,
            moved.c.updated_at,
            sa.bindparam("reason", type_=job_transitions.c.reason.type),
        ),
    )
    return sa.select(moved, staged_before(moved.c.id)).add_cte(logged.cte("logged"))


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
