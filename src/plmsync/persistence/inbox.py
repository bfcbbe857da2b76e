"""The inbox: every payload is kept as received, with its jobs enqueued in the same
transaction (a transactional outbox: nothing is acknowledged that is not durably queued)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from plmsync.engine.model import DeadLetterStatus, EventStatus, InboxEvent, Job, JobState
from plmsync.engine.outbox import rejection_event
from plmsync.persistence import rows
from plmsync.persistence.base import StoreBase, new_id, one
from plmsync.persistence.outbox import emit
from plmsync.persistence.tables import dead_letters, events, job_transitions, jobs
from plmsync.ports.store import NewJob, Received

# A concurrent writer can win the race for the unique indexes (PostgreSQL only: SQLite's
# BEGIN IMMEDIATE serialises receivers); the retry then finds its event and records a duplicate.
_RACE_RETRIES = 3


@dataclass(frozen=True)
class _Incoming:
    raw: bytes
    event_id: str
    source_system: str
    change_number: str
    content_hash: str
    jobs: tuple[NewJob, ...]
    error_code: str
    error_detail: str


class InboxMixin(StoreBase):
    def receive(
        self,
        raw: bytes,
        *,
        event_id: str,
        source_system: str,
        change_number: str,
        jobs: Sequence[NewJob],
        error_code: str = "",
        error_detail: str = "",
    ) -> Received:
        plants = [job.plant for job in jobs]
        if len(set(plants)) != len(plants):
            raise ValueError(f"one job per plant, got plants {plants}")
        incoming = _Incoming(
            raw=bytes(raw),
            event_id=event_id,
            source_system=source_system,
            change_number=change_number,
            content_hash=hashlib.sha256(raw).hexdigest(),
            jobs=tuple(jobs),
            error_code=error_code,
            error_detail=error_detail,
        )
        for attempt in range(_RACE_RETRIES):
            try:
                with self._write() as connection:
                    return self._receive(connection, incoming)
            except IntegrityError:
                if attempt == _RACE_RETRIES - 1:
                    raise
        raise AssertionError("unreachable")

    def event(self, event: int) -> InboxEvent:
        with self._read() as connection:
            return _event(connection, event)

    def raw_payload(self, event: int) -> bytes:
        with self._read() as connection:
            row = one(
                connection, sa.select(events.c.raw).where(events.c.id == event), "event", event
            )
        return bytes(row["raw"])

    def events_for(self, change_number: str) -> list[InboxEvent]:
        query = sa.select(events).where(events.c.change_number == change_number)
        with self._read() as connection:
            found = connection.execute(query.order_by(events.c.id)).mappings()
            return [rows.event_from(row) for row in found]

    # --- inside the write transaction -------------------------------------------------------
    def _receive(self, connection: sa.Connection, incoming: _Incoming) -> Received:
        now = self._now()
        original = _original_of(connection, incoming)
        if original is not None:
            event = _insert_event(connection, incoming, now, EventStatus.DUPLICATE, original)
            return Received(event, ())
        if incoming.error_code:
            event = _insert_event(connection, incoming, now, EventStatus.REJECTED, None)
            _open_rejection_letter(connection, event, now)
            emit(connection, rejection_event(event), now)
            return Received(event, ())
        event = _insert_event(connection, incoming, now, EventStatus.ACCEPTED, None)
        return Received(event, _enqueue(connection, event, incoming.jobs, now))


def _event(connection: sa.Connection, event: int) -> InboxEvent:
    return rows.event_from(
        one(connection, sa.select(events).where(events.c.id == event), "event", event)
    )


def _original_of(connection: sa.Connection, incoming: _Incoming) -> int | None:
    """The earlier event this one repeats: same event id, or same change and content."""
    same_id = sa.select(events.c.id).where(
        events.c.event_id == incoming.event_id, events.c.status != EventStatus.DUPLICATE.value
    )
    found = connection.execute(same_id).scalar()
    if found is not None:
        return int(found)
    same_content = sa.select(events.c.id).where(
        events.c.change_number == incoming.change_number,
        events.c.content_hash == incoming.content_hash,
        events.c.status == EventStatus.ACCEPTED.value,
    )
    found = connection.execute(same_content).scalar()
    return None if found is None else int(found)


def _insert_event(
    connection: sa.Connection,
    incoming: _Incoming,
    now: dt.datetime,
    status: EventStatus,
    duplicate_of: int | None,
) -> InboxEvent:
    values = {
        "event_id": incoming.event_id,
        "source_system": incoming.source_system,
        "change_number": incoming.change_number,
        "content_hash": incoming.content_hash,
        "received_at": now,
        "status": status.value,
        "duplicate_of": duplicate_of,
        "error_code": incoming.error_code,
        "error_detail": incoming.error_detail,
        "raw": incoming.raw,
    }
    result = connection.execute(sa.insert(events).values(values))
    return _event(connection, new_id(result))


def _open_rejection_letter(connection: sa.Connection, event: InboxEvent, now: dt.datetime) -> None:
    connection.execute(
        sa.insert(dead_letters).values(
            event=event.id,
            job=None,
            error_code=event.error_code,
            message=event.error_detail or event.error_code,
            status=DeadLetterStatus.OPEN.value,
            created_at=now,
            step=None,
            erp_messages=[],
            attempts=[],
        )
    )


def _enqueue(
    connection: sa.Connection, event: InboxEvent, new_jobs: Sequence[NewJob], now: dt.datetime
) -> tuple[Job, ...]:
    created = []
    for new in new_jobs:
        result = connection.execute(
            sa.insert(jobs).values(
                event=event.id,
                change_number=event.change_number,
                plant=new.plant,
                state=JobState.QUEUED.value,
                effective_from=new.effective_from,
                created_at=now,
                updated_at=now,
            )
        )
        job = new_id(result)
        connection.execute(
            sa.insert(job_transitions).values(
                job=job,
                from_state=None,
                to_state=JobState.QUEUED.value,
                at=now,
                reason=f"received event {event.event_id}",
            )
        )
        created.append(job)
    found = connection.execute(sa.select(jobs).where(jobs.c.id.in_(created)).order_by(jobs.c.id))
    return tuple(rows.job_from(row) for row in found.mappings())
