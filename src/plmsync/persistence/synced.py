"""Read models over what the engine already keeps: the last record posted per ERP object (for
reconcile and the drift checkpoint), and how often people stepped in per change."""

from __future__ import annotations

from collections.abc import Collection, Iterator

import sqlalchemy as sa

from plmsync.engine.model import JobState, StepStatus
from plmsync.persistence.base import StoreBase, chunks
from plmsync.persistence.tables import audit, jobs, review_tasks, steps
from plmsync.ports.store import MANUAL_ACTIVATION, REPLAY_ACTIONS, SyncedRecord, Touchpoints

_SYNCED = (
    sa.select(
        steps.c.id,
        steps.c.kind,
        steps.c.object_key,
        steps.c.action,
        steps.c.desired,
        steps.c.job,
        steps.c.finished_at,
        jobs.c.change_number,
    )
    .join(jobs, jobs.c.id == steps.c.job)
    .where(jobs.c.state == JobState.SUCCEEDED.value, steps.c.status == StepStatus.POSTED.value)
)


class SyncedMixin(StoreBase):
    def synced_records(
        self, plant: str, keys: Collection[tuple[str, str]] | None = None
    ) -> list[SyncedRecord]:
        latest: dict[tuple[str, str], SyncedRecord | None] = {}
        with self._read() as connection:
            for row in _posted(connection, plant, keys):
                if keys is None or (row["kind"], row["object_key"]) in keys:
                    latest[(row["kind"], row["object_key"])] = _synced(row)
        return [record for record in latest.values() if record is not None]

    def posted_before(self, plant: str, kind: str, key: str, job: int) -> SyncedRecord | None:
        query = (
            _SYNCED.where(
                jobs.c.plant == plant,
                steps.c.kind == kind,
                steps.c.object_key == key,
                steps.c.job < job,
            )
            .order_by(steps.c.finished_at.desc(), steps.c.id.desc())
            .limit(1)
        )
        with self._read() as connection:
            row = connection.execute(query).mappings().first()
        return _synced(row) if row is not None else None

    def touchpoints(self, change_number: str | None = None) -> dict[str, Touchpoints]:
        counts: dict[str, dict[str, int]] = {}
        with self._read() as connection:
            for row in connection.execute(_reviews(change_number)).mappings():
                counts.setdefault(row["change"], {})["reviews"] = row["count"]
            for row in connection.execute(_manual(change_number)).mappings():
                field = "activations" if row["action"] == MANUAL_ACTIVATION else "replays"
                mine = counts.setdefault(row["change"], {})
                mine[field] = mine.get(field, 0) + row["count"]
        return {change: Touchpoints(**found) for change, found in sorted(counts.items())}


def _posted(
    connection: sa.Connection, plant: str, keys: Collection[tuple[str, str]] | None
) -> Iterator[sa.RowMapping]:
    """Oldest first, so the last one seen per object is the one the ERP should hold."""
    query = _SYNCED.where(jobs.c.plant == plant).order_by(steps.c.finished_at, steps.c.id)
    if keys is None:
        yield from connection.execute(query).mappings()
        return
    rows: list[sa.RowMapping] = []
    for part in chunks(sorted({key for _, key in keys})):
        rows.extend(connection.execute(query.where(steps.c.object_key.in_(part))).mappings())
    yield from sorted(rows, key=lambda row: (row["finished_at"], row["id"]))


def _synced(row: sa.RowMapping) -> SyncedRecord | None:
    """None when the ERP should not hold it (retired), or when nothing is known to compare
    (a step posted before records were kept, migration 0003)."""
    if row["desired"] is None:
        return None
    return SyncedRecord(
        kind=row["kind"],
        key=row["object_key"],
        desired=row["desired"],
        job=row["job"],
        change_number=row["change_number"],
        posted_at=row["finished_at"],
    )


def _reviews(change: str | None) -> sa.Select[tuple[str, int]]:
    number = review_tasks.c.change_number
    query = sa.select(number.label("change"), sa.func.count().label("count")).group_by(number)
    return query.where(number == change) if change else query


def _manual(change: str | None) -> sa.Select[tuple[str, str, int]]:
    query = (
        sa.select(
            audit.c.change_number.label("change"), audit.c.action, sa.func.count().label("count")
        )
        .where(audit.c.action.in_([*REPLAY_ACTIONS, MANUAL_ACTIVATION]))
        .group_by(audit.c.change_number, audit.c.action)
    )
    return query.where(audit.c.change_number == change) if change else query
