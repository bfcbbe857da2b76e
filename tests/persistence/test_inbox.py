"""The inbox: payload kept as received, jobs enqueued with it, duplicates and rejections."""

from __future__ import annotations

import hashlib

import pytest

from plmsync.engine.errors import NotFound
from plmsync.engine.model import DeadLetterStatus, EventStatus, JobState
from plmsync.persistence import SqlStore

from .conftest import START, FakeClock
from .helpers import payload, receive


def test_receive_stores_the_event_and_queues_one_job_per_plant(store: SqlStore) -> None:
    raw = payload("ECO-1")
    received = receive(store, "ECO-1", "US01", "DE01", raw=raw)

    event = received.event
    assert event.status is EventStatus.ACCEPTED
    assert not received.duplicate
    assert event.content_hash == hashlib.sha256(raw).hexdigest()
    assert event.received_at == START
    assert [(j.plant, j.state, j.event) for j in received.jobs] == [
        ("US01", JobState.QUEUED, event.id),
        ("DE01", JobState.QUEUED, event.id),
    ]
    assert store.raw_payload(event.id) == raw
    assert store.event(event.id) == event
    assert store.jobs(change_number="ECO-1") == list(received.jobs)


def test_a_new_job_starts_with_a_transition_from_nothing(store: SqlStore) -> None:
    job = receive(store, "ECO-1").jobs[0]
    [first] = store.transitions(job.id)
    assert (first.from_state, first.to_state, first.at) == (None, JobState.QUEUED, START)
    assert "evt-ECO-1" in first.reason


def test_jobs_keep_their_effective_date(store: SqlStore) -> None:
    import datetime as dt

    job = receive(store, "ECO-1", effective_from=dt.date(2026, 6, 1)).jobs[0]
    assert job.effective_from == dt.date(2026, 6, 1)
    assert job.state is JobState.QUEUED  # the engine stages it, not the inbox


def test_same_event_id_again_is_a_duplicate_with_no_jobs(store: SqlStore) -> None:
    first = receive(store, "ECO-1", "US01")
    again = receive(store, "ECO-1", "US01")

    assert again.duplicate
    assert again.event.status is EventStatus.DUPLICATE
    assert again.event.duplicate_of == first.event.id
    assert again.event.id != first.event.id  # the redelivery itself is kept
    assert again.jobs == ()
    assert len(store.jobs()) == 1


def test_same_change_and_content_under_a_new_id_is_a_duplicate(store: SqlStore) -> None:
    first = receive(store, "ECO-1", event_id="a")
    again = receive(store, "ECO-1", event_id="b")
    assert again.event.duplicate_of == first.event.id
    assert again.jobs == ()


def test_new_content_for_the_same_change_is_accepted(store: SqlStore) -> None:
    receive(store, "ECO-1", event_id="a", raw=payload("ECO-1", "A"))
    second = receive(store, "ECO-1", event_id="b", raw=payload("ECO-1", "B"))
    assert second.event.status is EventStatus.ACCEPTED
    assert len(second.jobs) == 1


def test_same_content_for_another_change_is_accepted(store: SqlStore) -> None:
    raw = b'{"same": true}'
    receive(store, "ECO-1", event_id="a", raw=raw)
    other = receive(store, "ECO-2", event_id="b", raw=raw)
    assert other.event.status is EventStatus.ACCEPTED


def test_a_duplicate_of_a_duplicate_points_at_the_original(store: SqlStore) -> None:
    first = receive(store, "ECO-1")
    receive(store, "ECO-1")
    third = receive(store, "ECO-1")
    assert third.event.duplicate_of == first.event.id


def test_a_rejected_event_is_kept_with_an_open_dead_letter(store: SqlStore) -> None:
    received = store.receive(
        b"{not json",
        event_id="bad-1",
        source_system="windchill",
        change_number="",
        jobs=[],
        error_code="PLMSYNC-PACKAGE-INVALID",
        error_detail="line 1: expecting property name",
    )
    event = received.event
    assert event.status is EventStatus.REJECTED
    assert (event.error_code, event.error_detail) == (
        "PLMSYNC-PACKAGE-INVALID",
        "line 1: expecting property name",
    )
    assert received.jobs == ()
    assert store.raw_payload(event.id) == b"{not json"
    [letter] = store.dead_letters()
    assert (letter.event, letter.job, letter.status) == (event.id, None, DeadLetterStatus.OPEN)
    assert letter.error_code == "PLMSYNC-PACKAGE-INVALID"
    assert letter.message == "line 1: expecting property name"


def test_a_rejected_event_enqueues_nothing_even_when_given_jobs(store: SqlStore) -> None:
    received = store.receive(
        b"x",
        event_id="bad",
        source_system="s",
        change_number="ECO-9",
        jobs=[],
        error_code="PLMSYNC-VALIDATION",
    )
    assert store.jobs() == []
    assert store.dead_letters()[0].message == "PLMSYNC-VALIDATION"
    assert received.event.status is EventStatus.REJECTED


def test_a_redelivered_rejection_is_a_duplicate_not_a_second_letter(store: SqlStore) -> None:
    for _ in range(2):
        last = store.receive(
            b"x",
            event_id="bad",
            source_system="s",
            change_number="",
            jobs=[],
            error_code="PLMSYNC-PACKAGE-INVALID",
        )
    assert last.duplicate
    assert len(store.dead_letters()) == 1


def test_fixed_content_after_a_rejection_is_accepted(store: SqlStore) -> None:
    store.receive(
        b"x",
        event_id="bad",
        source_system="s",
        change_number="ECO-1",
        jobs=[],
        error_code="PLMSYNC-VALIDATION",
    )
    fixed = receive(store, "ECO-1", event_id="good")
    assert fixed.event.status is EventStatus.ACCEPTED


def test_one_job_per_plant(store: SqlStore) -> None:
    with pytest.raises(ValueError, match="one job per plant"):
        receive(store, "ECO-1", "US01", "US01")
    assert store.events_for("ECO-1") == []


def test_events_for_lists_a_change_s_events_in_arrival_order(
    store: SqlStore, clock: FakeClock
) -> None:
    a = receive(store, "ECO-1", event_id="a", raw=payload("ECO-1", "A")).event
    clock.advance(minutes=1)
    b = receive(store, "ECO-1", event_id="b", raw=payload("ECO-1", "A")).event
    receive(store, "ECO-2")
    assert store.events_for("ECO-1") == [a, b]
    assert [e.status for e in store.events_for("ECO-1")] == [
        EventStatus.ACCEPTED,
        EventStatus.DUPLICATE,
    ]


def test_unknown_events_are_not_found(store: SqlStore) -> None:
    with pytest.raises(NotFound, match="no event with id 99"):
        store.event(99)
    with pytest.raises(LookupError):
        store.raw_payload(99)
