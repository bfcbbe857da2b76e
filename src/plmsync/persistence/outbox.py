"""The outbox: events written inside the transaction of the state change that caused them,
and their delivery state per channel, which the relay advances.

`emit` and `emit_for_job` take the caller's connection: they run inside the store's own
transactions (a job's move, opening a review task, rejecting a payload), never on their own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from plmsync.engine.errors import NotFound, StateConflict
from plmsync.engine.model import Job, JobState
from plmsync.engine.outbox import (
    Delivery,
    DeliveryStatus,
    Due,
    EventType,
    OutboxDraft,
    OutboxEvent,
    job_events,
)
from plmsync.persistence.base import StoreBase
from plmsync.persistence.tables import job_transitions, outbox, outbox_deliveries

# Only these states cause an event: other moves (the queue's hot path) skip the outbox.
_EVENTFUL = frozenset({JobState.SUCCEEDED, JobState.DEAD})


# Prebuilt: every job that succeeds runs it, and building an INSERT per call showed in profiles.
_INSERT = sa.insert(outbox).returning(outbox.c.id)


def emit(connection: sa.Connection, draft: OutboxDraft, at: dt.datetime) -> int | None:
    """Insert the event in the caller's transaction; None if its dedupe key exists."""
    if draft.dedupe_key is not None:
        taken = sa.select(outbox.c.id).where(outbox.c.dedupe_key == draft.dedupe_key)
        if connection.execute(taken).first() is not None:
            return None
    values = {
        "type": draft.type.value,
        "subject": draft.subject,
        "time": at,
        "data": draft.data,
        "dedupe_key": draft.dedupe_key,
    }
    return int(connection.execute(_INSERT, values).scalar_one())


def emit_for_job(
    connection: sa.Connection, job: Job, at: dt.datetime, was_staged: bool | None = None
) -> None:
    """The events of the move `job` just made (see engine.outbox.job_events); `was_staged`
    is looked up when the caller does not know it."""
    if job.state not in _EVENTFUL:
        return
    if was_staged is None:
        was_staged = _was_staged(connection, job.id)
    for draft in job_events(job, was_staged=was_staged):
        emit(connection, draft, at)


def staged_before(job: sa.ColumnElement[int]) -> sa.Label[bool]:
    """Whether the job ever waited for its effective date: its success then also activates
    a plant, a second event. An expression, so the store's job queries can return it too."""
    staged = job_transitions.c.to_state == JobState.STAGED.value
    return sa.exists().where(job_transitions.c.job == job, staged).label("was_staged")


def _was_staged(connection: sa.Connection, job: int) -> bool:
    return bool(connection.execute(sa.select(staged_before(sa.literal(job)))).scalar())


class OutboxMixin(StoreBase):
    def emit_event(self, draft: OutboxDraft) -> OutboxEvent | None:
        try:
            with self._write() as connection:
                created = emit(connection, draft, self._now())
                return None if created is None else _event(connection, created)
        except IntegrityError:  # PostgreSQL: a concurrent emit took the dedupe key first
            if draft.dedupe_key is None:
                raise
            return None

    def outbox_events(self, *, after: int = 0, limit: int | None = None) -> list[OutboxEvent]:
        query = sa.select(outbox).where(outbox.c.id > after).order_by(outbox.c.id)
        with self._read() as connection:
            found = connection.execute(query.limit(limit)).mappings()
            return [_event_from(row) for row in found]

    def outbox_due(self, channel: str, now: dt.datetime, limit: int = 100) -> list[Due]:
        """Events not yet delivered on `channel`, oldest first: never tried, or retrying and
        due. None while one of the channel's deliveries waits for its retry: a channel gets
        its events in order, and one that is down is tried once per backoff, not per event."""
        delivery = outbox_deliveries.alias("delivery")
        joined = outbox.outerjoin(
            delivery, sa.and_(delivery.c.event == outbox.c.id, delivery.c.channel == channel)
        )
        due = sa.or_(
            delivery.c.event.is_(None),
            sa.and_(
                delivery.c.status == DeliveryStatus.RETRYING.value,
                delivery.c.next_attempt_at <= now,
            ),
        )
        attempts = sa.func.coalesce(delivery.c.attempts, 0).label("delivery_attempts")
        query = sa.select(outbox, attempts).select_from(joined).where(due).order_by(outbox.c.id)
        with self._read() as connection:
            if connection.execute(_backing_off(channel, now)).first() is not None:
                return []
            found = connection.execute(query.limit(limit)).mappings()
            return [Due(_event_from(row), row["delivery_attempts"]) for row in found]

    def outbox_delivered(self, channel: str, events: Collection[int]) -> None:
        now = self._now()
        values = {"status": DeliveryStatus.DELIVERED.value, "next_attempt_at": None}
        with self._write() as connection:
            tried = set(_tried(connection, channel, events))
            if tried:
                connection.execute(
                    sa.update(outbox_deliveries)
                    .where(
                        outbox_deliveries.c.channel == channel,
                        outbox_deliveries.c.event.in_(tried),
                    )
                    .values(updated_at=now, **values)
                )
            first_time = [
                {
                    "event": event,
                    "channel": channel,
                    "attempts": 0,
                    "last_error": "",
                    "updated_at": now,
                    **values,
                }
                for event in events
                if event not in tried
            ]
            if first_time:
                connection.execute(sa.insert(outbox_deliveries), first_time)

    def outbox_failed(
        self, event: int, channel: str, error: str, *, retry_at: dt.datetime | None
    ) -> Delivery:
        """Count a failed attempt: retried at `retry_at`, or dead when that is None."""
        status = DeliveryStatus.DEAD if retry_at is None else DeliveryStatus.RETRYING
        return self._failure(event, channel, status, retry_at, error)

    def outbox_deliveries(
        self, *, status: DeliveryStatus | None = None, channel: str | None = None
    ) -> list[Delivery]:
        query = sa.select(outbox_deliveries)
        if status is not None:
            query = query.where(outbox_deliveries.c.status == DeliveryStatus(status).value)
        if channel is not None:
            query = query.where(outbox_deliveries.c.channel == channel)
        order = (outbox_deliveries.c.event, outbox_deliveries.c.channel)
        with self._read() as connection:
            found = connection.execute(query.order_by(*order)).mappings()
            return [_delivery_from(row) for row in found]

    def outbox_retry(self, event: int, channel: str) -> Delivery:
        """Send a dead delivery again (an operator fixed the subscriber)."""
        with self._write() as connection:
            current = _delivery(connection, event, channel)
            if current.status is not DeliveryStatus.DEAD:
                raise StateConflict(f"event {event} on {channel} is {current.status}, not dead")
            connection.execute(
                _update(event, channel).values(
                    status=DeliveryStatus.RETRYING.value,
                    next_attempt_at=self._now(),
                    updated_at=self._now(),
                )
            )
            return _delivery(connection, event, channel)

    def _failure(
        self,
        event: int,
        channel: str,
        status: DeliveryStatus,
        next_attempt_at: dt.datetime | None,
        error: str,
    ) -> Delivery:
        now = self._now()
        values = {"status": status.value, "next_attempt_at": next_attempt_at, "updated_at": now}
        with self._write() as connection:
            if _exists(connection, event, channel):
                connection.execute(
                    _update(event, channel).values(
                        attempts=outbox_deliveries.c.attempts + 1,
                        last_error=error or outbox_deliveries.c.last_error,
                        **values,
                    )
                )
            else:
                connection.execute(
                    sa.insert(outbox_deliveries).values(
                        event=event, channel=channel, attempts=1, last_error=error, **values
                    )
                )
            return _delivery(connection, event, channel)


def _tried(connection: sa.Connection, channel: str, events: Collection[int]) -> list[int]:
    query = sa.select(outbox_deliveries.c.event).where(
        outbox_deliveries.c.channel == channel, outbox_deliveries.c.event.in_(list(events))
    )
    return [int(event) for event in connection.execute(query.with_for_update()).scalars()]


def _backing_off(channel: str, now: dt.datetime) -> sa.Select[tuple[int]]:
    return (
        sa.select(outbox_deliveries.c.event)
        .where(
            outbox_deliveries.c.channel == channel,
            outbox_deliveries.c.status == DeliveryStatus.RETRYING.value,
            outbox_deliveries.c.next_attempt_at > now,
        )
        .limit(1)
    )


def _update(event: int, channel: str) -> sa.Update:
    return sa.update(outbox_deliveries).where(
        outbox_deliveries.c.event == event, outbox_deliveries.c.channel == channel
    )


def _exists(connection: sa.Connection, event: int, channel: str) -> bool:
    query = sa.select(outbox_deliveries.c.event).where(
        outbox_deliveries.c.event == event, outbox_deliveries.c.channel == channel
    )
    return connection.execute(query.with_for_update()).first() is not None


def _delivery(connection: sa.Connection, event: int, channel: str) -> Delivery:
    query = sa.select(outbox_deliveries).where(
        outbox_deliveries.c.event == event, outbox_deliveries.c.channel == channel
    )
    row = connection.execute(query).mappings().first()
    if row is None:
        raise NotFound(f"delivery on {channel} of event", event)
    return _delivery_from(row)


def _delivery_from(mapping: sa.RowMapping) -> Delivery:
    return Delivery(
        event=mapping["event"],
        channel=mapping["channel"],
        status=DeliveryStatus(mapping["status"]),
        attempts=mapping["attempts"],
        updated_at=mapping["updated_at"],
        next_attempt_at=mapping["next_attempt_at"],
        last_error=mapping["last_error"],
    )


def _event(connection: sa.Connection, event: int) -> OutboxEvent:
    row = connection.execute(sa.select(outbox).where(outbox.c.id == event)).mappings().first()
    if row is None:
        raise NotFound("outbox event", event)
    return _event_from(row)


def _event_from(row: sa.RowMapping) -> OutboxEvent:
    return OutboxEvent(
        id=row["id"],
        type=EventType(row["type"]),
        subject=row["subject"],
        time=row["time"],
        data=dict(row["data"]),
    )
