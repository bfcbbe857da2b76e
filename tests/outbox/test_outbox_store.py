"""The transactional outbox, on both dialects: each state change that matters writes its
CloudEvent in its own transaction — and only then — and deliveries advance per channel."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from plmsync.domain.sla import Breach, PlantClock
from plmsync.engine.errors import IllegalTransition, StateConflict
from plmsync.engine.model import JobState
from plmsync.engine.outbox import DeliveryStatus, EventType, breach_listener, sla_breached
from plmsync.persistence import SqlStore
from plmsync.ports.store import ReviewDraft, ReviewKind
from tests.persistence.conftest import START, FakeClock
from tests.persistence.helpers import LEASE, receive


def types(store: SqlStore) -> list[tuple[str, str]]:
    return [(e.type.value, e.subject) for e in store.outbox_events()]


def run_to(store: SqlStore, job: int, to: JobState, **kwargs: str) -> None:
    claimed = store.claim("w1", START, LEASE)
    assert claimed is not None and claimed.id == job
    store.transition(job, to, worker="w1", **kwargs)


def test_a_succeeded_job_writes_change_synced_and_nothing_before(store: SqlStore) -> None:
    [us, de] = receive(store, "ECO-1", "US01", "DE01").jobs
    store.claim("w1", START, LEASE)
    later = START + dt.timedelta(hours=1)  # so that the next claim takes DE01
    store.transition(us.id, JobState.RETRYING, worker="w1", reason="waiting", run_after=later)
    assert store.outbox_events() == []  # queued, running, retrying: no events
    run_to(store, de.id, JobState.SUCCEEDED)
    (event,) = store.outbox_events()
    assert (event.type, event.subject, event.time) == (
        EventType.CHANGE_SYNCED,
        "changes/ECO-1/plants/DE01",
        START,
    )
    assert event.data == {
        "change_number": "ECO-1",
        "plant": "DE01",
        "job": de.id,
        "state": "succeeded",
        "attempts": 0,
    }


def test_a_dead_job_writes_change_failed_with_its_error(store: SqlStore) -> None:
    [job] = receive(store, "ECO-2", "US01").jobs
    run_to(store, job.id, JobState.DEAD, error_code="PLMSYNC-ERP-REJECTED", error_message="no")
    (event,) = store.outbox_events()
    assert event.type is EventType.CHANGE_FAILED
    assert (event.data["error_code"], event.data["error_message"], event.data["stage"]) == (
        "PLMSYNC-ERP-REJECTED",
        "no",
        "sync",
    )


def test_a_staged_job_that_goes_live_writes_synced_and_activated(
    store: SqlStore, clock: FakeClock
) -> None:
    effective = dt.date(2026, 6, 1)
    [job] = receive(store, "ECO-3", "US01", effective_from=effective).jobs
    run_to(store, job.id, JobState.STAGED)
    assert store.outbox_events() == []  # staged is not yet in use
    store.transition(job.id, JobState.QUEUED, reason="effective date reached")
    run_to(store, job.id, JobState.SUCCEEDED)
    assert [e.type for e in store.outbox_events()] == [
        EventType.CHANGE_SYNCED,
        EventType.PLANT_ACTIVATED,
    ]
    assert store.outbox_events()[1].data["effective_from"] == "2026-06-01"


def test_opening_a_review_task_writes_review_opened(store: SqlStore) -> None:
    [job] = receive(store, "ECO-4", "US01").jobs
    store.claim("w1", START, LEASE)
    task_draft = ReviewDraft(
        job.id, "ECO-4", "US01", ReviewKind.CHECKPOINT, "EU screw", "compliance", "i1", {}
    )
    _, task = store.hold_for_review(job.id, "w1", task_draft)
    (event,) = store.outbox_events()
    assert (event.type, event.subject) == (EventType.REVIEW_OPENED, "changes/ECO-4/plants/US01")
    assert (event.data["review"], event.data["kind"], event.data["owner_role"]) == (
        task.id,
        "checkpoint",
        "compliance",
    )


def test_a_drift_task_writes_review_opened_once_while_it_is_open(store: SqlStore) -> None:
    [job] = receive(store, "ECO-4", "US01").jobs
    drift = ReviewDraft(job.id, "ECO-4", "US01", ReviewKind.DRIFT, "edited in ERP", "eng", "d1", {})
    task = store.open_review(drift)
    assert task is not None
    assert store.open_review(drift) is None  # the same drift, still open: no second task
    (event,) = store.outbox_events()
    assert (event.type, event.data["kind"], event.data["review"]) == (
        EventType.REVIEW_OPENED,
        "drift",
        task.id,
    )


def test_a_rejected_payload_writes_change_failed_at_intake(store: SqlStore) -> None:
    store.receive(
        b"{oops",
        event_id="evt-bad",
        source_system="plm",
        change_number="",
        jobs=(),
        error_code="PLMSYNC-PACKAGE-INVALID",
        error_detail="not JSON",
    )
    (event,) = store.outbox_events()
    assert (event.type, event.data["stage"], event.data["event_id"]) == (
        EventType.CHANGE_FAILED,
        "intake",
        "evt-bad",
    )


def test_a_refused_move_writes_no_event(store: SqlStore) -> None:
    [job] = receive(store, "ECO-5", "US01").jobs
    with pytest.raises(IllegalTransition):
        store.transition(job.id, JobState.SUCCEEDED)  # queued cannot jump to succeeded
    assert store.outbox_events() == []


def test_the_event_and_the_move_commit_together(store: SqlStore) -> None:
    """With the outbox unwritable, the move that would cause an event is rolled back too."""
    [job] = receive(store, "ECO-6", "US01").jobs
    store.claim("w1", START, LEASE)
    with store.engine.begin() as connection:
        connection.execute(sa.text("ALTER TABLE outbox RENAME TO outbox_away"))
    try:
        with pytest.raises(sa.exc.DBAPIError):
            store.transition(job.id, JobState.SUCCEEDED, worker="w1")
    finally:
        with store.engine.begin() as connection:
            connection.execute(sa.text("ALTER TABLE outbox_away RENAME TO outbox"))
    assert store.job(job.id).state is JobState.RUNNING
    assert [t.to_state for t in store.transitions(job.id)] == [JobState.QUEUED, JobState.RUNNING]


def test_an_sla_breach_is_announced_once_per_job(store: SqlStore) -> None:
    [job] = receive(store, "ECO-7", "US01").jobs
    deadline = START - dt.timedelta(hours=1)
    breach = {"change_number": "ECO-7", "plant": "US01", "job": job.id, "deadline": deadline}
    first = sla_breached(store, **breach)
    again = sla_breached(store, **breach)
    assert first is not None and again is None
    assert types(store) == [("sla.breached", "changes/ECO-7/plants/US01")]
    assert first.data["deadline"] == deadline.isoformat()


def test_the_sla_watch_listener_emits_each_breach(store: SqlStore) -> None:
    [job] = receive(store, "ECO-8", "DE01").jobs
    approved = START - dt.timedelta(hours=30)
    clock = PlantClock("ECO-8", "DE01", job.id, "queued", "eco", "high", approved)
    due = approved + dt.timedelta(hours=24)  # the `high` threshold of the default policy
    announce = breach_listener(store)
    announce(Breach(clock, due, START - due))
    announce(Breach(clock, due, START - due + dt.timedelta(minutes=5)))  # the next check
    (event,) = store.outbox_events()
    assert event.data == {
        "change_number": "ECO-8",
        "plant": "DE01",
        "job": job.id,
        "deadline": due.isoformat(),
        "kind": "eco",
        "priority": "high",
        "started": approved.isoformat(),
        "overdue_seconds": 6 * 3600,
    }


def test_deliveries_advance_per_channel(store: SqlStore, clock: FakeClock) -> None:
    for number in (1, 2):
        [job] = receive(store, f"ECO-{number}", "US01").jobs
        run_to(store, job.id, JobState.SUCCEEDED)
    first, second = store.outbox_events()
    store.outbox_delivered("broker", [first.id])
    assert [d.event.id for d in store.outbox_due("broker", START)] == [second.id]
    assert [d.event.id for d in store.outbox_due("webhook:mes", START)] == [first.id, second.id]

    later = START + dt.timedelta(minutes=1)
    failed = store.outbox_failed(second.id, "broker", "connection refused", retry_at=later)
    assert (failed.status, failed.attempts) == (DeliveryStatus.RETRYING, 1)
    assert store.outbox_due("broker", START) == []  # not due yet
    [due] = store.outbox_due("broker", later)
    assert (due.event.id, due.attempts) == (second.id, 1)

    dead = store.outbox_failed(second.id, "broker", "still refused", retry_at=None)
    assert (dead.status, dead.attempts, dead.last_error) == (
        DeliveryStatus.DEAD,
        2,
        "still refused",
    )
    assert store.outbox_due("broker", later + dt.timedelta(days=1)) == []
    assert store.outbox_deliveries(status=DeliveryStatus.DEAD) == [dead]
    with pytest.raises(StateConflict):
        store.outbox_retry(first.id, "broker")  # delivered, not dead
    clock.advance(minutes=5)
    retried = store.outbox_retry(second.id, "broker")
    assert retried.status is DeliveryStatus.RETRYING
    assert [d.event.id for d in store.outbox_due("broker", clock.now)] == [second.id]
