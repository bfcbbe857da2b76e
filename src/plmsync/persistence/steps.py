"""Steps: each plan step is recorded `started` before its ERP call and finished after it, so
after a crash the engine knows which calls may have reached the ERP (idempotency keys make
their replay safe)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from plmsync.engine.model import StepRecord, StepStatus
from plmsync.persistence import rows
from plmsync.persistence.base import StoreBase, chunks
from plmsync.persistence.tables import steps


class StepsMixin(StoreBase):
    def steps_started(self, job: int, steps: Sequence[StepRecord]) -> None:
        now = self._now()
        values = [
            {
                **rows.step_values(step),
                "status": StepStatus.STARTED.value,
                "error_code": "",
                "started_at": now,
                "finished_at": None,
            }
            for step in _of_job(job, steps)
        ]
        with self._write() as connection:
            _upsert(connection, job, [s.idempotency_key for s in steps], values)

    def steps_finished(self, job: int, steps: Sequence[StepRecord]) -> None:
        now = self._now()
        values = [
            {**rows.step_values(step), "started_at": now, "finished_at": now}
            for step in _of_job(job, steps)
        ]
        with self._write() as connection:
            _upsert(connection, job, [s.idempotency_key for s in steps], values, keep_start=True)

    def steps(self, job: int) -> list[StepRecord]:
        query = sa.select(steps).where(steps.c.job == job).order_by(steps.c.id)
        with self._read() as connection:
            return [rows.step_from(row) for row in connection.execute(query).mappings()]


def _of_job(job: int, records: Sequence[StepRecord]) -> Sequence[StepRecord]:
    strangers = [r.idempotency_key for r in records if r.job != job]
    if strangers:
        raise ValueError(f"steps {strangers} belong to another job than {job}")
    return records


def _upsert(
    connection: sa.Connection,
    job: int,
    keys: list[str],
    values: list[dict[str, object]],
    *,
    keep_start: bool = False,
) -> None:
    """Insert new steps, update known ones (a retried attempt, or the step's outcome). A
    finished step keeps the time it was started."""
    known = _known(connection, job, keys)
    for key, row in zip(keys, values, strict=True):
        if key in known:
            update = {k: v for k, v in row.items() if not (keep_start and k == "started_at")}
            connection.execute(
                sa.update(steps)
                .where(steps.c.job == job, steps.c.idempotency_key == key)
                .values(update)
            )
        else:
            connection.execute(sa.insert(steps).values(job=job, idempotency_key=key, **row))
            known.add(key)


def _known(connection: sa.Connection, job: int, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for part in chunks(sorted(set(keys))):
        query = sa.select(steps.c.idempotency_key).where(
            steps.c.job == job, steps.c.idempotency_key.in_(part)
        )
        found.update(connection.execute(query).scalars())
    return found
