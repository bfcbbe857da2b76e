"""Outbound events: what plmsync tells the world it did, as CloudEvents 1.0.

Each event is written to the outbox table in the same transaction as the state change that
caused it (the store does that: persistence/outbox.py), so an event exists if and only if its
change of state committed. A relay (engine/relay.py) then delivers every event to each channel
— the broker's topic exchange, each subscribed webhook — at least once; the CloudEvents `id`
is derived from the outbox row, so it is the same on every delivery and consumers dedupe by it.

    change.synced     a plant's job succeeded (the change is in the plant's ERP)
    change.failed     a plant's job is dead, or the payload was rejected at intake
    plant.activated   a job that had been staged for its effective date went live
    review.opened     a review task was opened (a checkpoint holds a job, or drift was found)
    sla.breached      a plant is past the change's service level (`sla_breached` below)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from plmsync.domain.sla import Breach
from plmsync.engine.model import InboxEvent, Job, JobState
from plmsync.ports.reviews import ReviewTask

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/cloudevents+json"  # structured mode: the whole event is the body
ID_PREFIX = "plmsync-outbox-"


class EventType(StrEnum):
    CHANGE_SYNCED = "change.synced"
    CHANGE_FAILED = "change.failed"
    PLANT_ACTIVATED = "plant.activated"
    REVIEW_OPENED = "review.opened"
    SLA_BREACHED = "sla.breached"


@dataclass(frozen=True)
class OutboxDraft:
    """An event before the store gives it its id and time. `dedupe_key`, when set, makes a
    second draft with the same key a no-op (an SLA breach is announced once per job)."""

    type: EventType
    subject: str
    data: dict[str, Any]
    dedupe_key: str | None = None


@dataclass(frozen=True)
class OutboxEvent:
    id: int
    type: EventType
    subject: str
    time: dt.datetime
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def event_id(self) -> str:
        """The CloudEvents id: stable across redeliveries, unique per outbox row."""
        return f"{ID_PREFIX}{self.id}"


class DeliveryStatus(StrEnum):
    RETRYING = "retrying"  # failed; tried again at next_attempt_at
    DELIVERED = "delivered"  # the broker confirmed it / the webhook answered 2xx
    DEAD = "dead"  # gave up after the channel's attempts; `plmsync outbox retry` sends again


@dataclass(frozen=True)
class Delivery:
    """One event's state on one channel (`broker`, `webhook:<name>`)."""

    event: int
    channel: str
    status: DeliveryStatus
    attempts: int
    updated_at: dt.datetime
    next_attempt_at: dt.datetime | None = None
    last_error: str = ""


@dataclass(frozen=True)
class Due:
    """An event to deliver on a channel, with the attempts that channel already made."""

    event: OutboxEvent
    attempts: int = 0


class OutboxWriter(Protocol):
    def emit_event(self, draft: OutboxDraft) -> OutboxEvent | None:
        """Store the event in its own transaction; None if its dedupe key was used before."""


def cloud_event(event: OutboxEvent, source: str) -> dict[str, Any]:
    """The structured-mode CloudEvent (JSON) for an outbox row."""
    return {
        "specversion": SPEC_VERSION,
        "id": event.event_id,
        "source": source,
        "type": event.type.value,
        "subject": event.subject,
        "time": event.time.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "datacontenttype": "application/json",
        "data": event.data,
    }


def subject(change_number: str, plant: str = "") -> str:
    """`changes/ECO-12/plants/US01`: consumers filter on the change, or the change at a plant."""
    return f"changes/{change_number}" + (f"/plants/{plant}" if plant else "")


def sla_breached(
    outbox: OutboxWriter,
    *,
    change_number: str,
    plant: str,
    job: int,
    deadline: dt.datetime,
    details: dict[str, Any] | None = None,
) -> OutboxEvent | None:
    """Announce that a plant is past the change's service level. Once per job: calling again
    for the same job returns None and emits nothing."""
    data = {
        "change_number": change_number,
        "plant": plant,
        "job": job,
        "deadline": deadline.astimezone(dt.UTC).isoformat(),
        **(details or {}),
    }
    draft = OutboxDraft(
        EventType.SLA_BREACHED, subject(change_number, plant), data, f"sla.breached:job:{job}"
    )
    return outbox.emit_event(draft)


def breach_listener(outbox: OutboxWriter) -> Callable[[Breach], None]:
    """For `SlaWatch(listeners=[...])`: each breach it raises becomes an sla.breached event."""

    def announce(breach: Breach) -> None:
        clock = breach.clock
        sla_breached(
            outbox,
            change_number=clock.change,
            plant=clock.plant,
            job=clock.job,
            deadline=breach.due,
            details={
                "kind": clock.kind,
                "priority": clock.priority,
                "started": clock.started.astimezone(dt.UTC).isoformat(),
                "overdue_seconds": int(breach.overdue.total_seconds()),
            },
        )

    return announce


# --- which state changes cause which events (the store calls these inside its transaction) --


def job_events(job: Job, *, was_staged: bool) -> list[OutboxDraft]:
    """The events a job's move into its current state causes (none for most states)."""
    where = subject(job.change_number, job.plant)
    data: dict[str, Any] = {
        "change_number": job.change_number,
        "plant": job.plant,
        "job": job.id,
        "state": job.state.value,
        "attempts": job.attempts,
    }
    if job.state is JobState.SUCCEEDED:
        synced = [OutboxDraft(EventType.CHANGE_SYNCED, where, data)]
        if not was_staged:
            return synced
        effective = None if job.effective_from is None else job.effective_from.isoformat()
        activated = {**data, "effective_from": effective}
        return [*synced, OutboxDraft(EventType.PLANT_ACTIVATED, where, activated)]
    if job.state is JobState.DEAD:
        failed = {
            **data,
            "stage": "sync",
            "error_code": job.last_error_code,
            "error_message": job.last_error_message,
        }
        return [OutboxDraft(EventType.CHANGE_FAILED, where, failed)]
    return []


def rejection_event(event: InboxEvent) -> OutboxDraft:
    """A payload that is not a valid change package: the change failed before any plant."""
    data = {
        "change_number": event.change_number,
        "stage": "intake",
        "event_id": event.event_id,
        "error_code": event.error_code,
        "error_message": event.error_detail,
    }
    return OutboxDraft(EventType.CHANGE_FAILED, subject(event.change_number or "unknown"), data)


def review_event(task: ReviewTask) -> OutboxDraft:
    data = {
        "review": task.id,
        "change_number": task.change_number,
        "plant": task.plant,
        "job": task.job,
        "kind": task.details.get("kind", ""),
        "owner_role": task.owner_role,
        "reason": task.reason,
    }
    return OutboxDraft(EventType.REVIEW_OPENED, subject(task.change_number, task.plant), data)
