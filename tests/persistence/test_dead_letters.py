"""Dead letters: stored whole, listed by status, resolved once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from plmsync.engine.errors import NotFound, StateConflict
from plmsync.engine.model import Attempt, DeadLetter, DeadLetterStatus
from plmsync.persistence import SqlStore

from .conftest import START, FakeClock
from .helpers import enqueue

BERLIN = dt.timezone(dt.timedelta(hours=1))


def letter(event: int, job: int | None) -> DeadLetter:
    return DeadLetter(
        id=0,
        event=event,
        job=job,
        error_code="PLMSYNC-ERP-REJECTED",
        message="Tryton refused the BOM line",
        status=DeadLetterStatus.OPEN,
        created_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC),  # the store's clock decides
        step={"kind": "bom", "key": "bom:P-1", "quantity": Decimal("2.50")},
        erp_messages=({"text": "UoM mismatch", "model": "production.bom.input"},),
        attempts=(
            Attempt(
                1, dt.datetime(2026, 3, 2, 9, 0, tzinfo=BERLIN), "PLMSYNC-ERP-UNAVAILABLE", "x"
            ),
            Attempt(2, START, "PLMSYNC-ERP-REJECTED", "UoM mismatch"),
        ),
    )


def test_a_dead_letter_is_stored_whole(store: SqlStore, clock: FakeClock) -> None:
    [job] = enqueue(store, 1)
    clock.advance(minutes=3)

    stored = store.dead_letter(letter(job.event, job.id))

    assert stored.id > 0
    assert stored.created_at == clock.now
    assert stored.step == {"kind": "bom", "key": "bom:P-1", "quantity": "2.50"}
    assert stored.erp_messages == ({"text": "UoM mismatch", "model": "production.bom.input"},)
    assert [a.at for a in stored.attempts] == [dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC), START]
    assert stored.attempts[1] == Attempt(2, START, "PLMSYNC-ERP-REJECTED", "UoM mismatch")
    assert (stored.edited_payload, stored.resolved_at, stored.resolved_by) == (None, None, "")
    assert store.dead_letter_by_id(stored.id) == stored


def test_dead_letters_are_listed_by_status(store: SqlStore) -> None:
    a, b = enqueue(store, 2)
    first = store.dead_letter(letter(a.event, a.id))
    second = store.dead_letter(letter(b.event, None))
    store.resolve_dead_letter(first.id, "discarded", by="ops")

    assert [d.id for d in store.dead_letters()] == [second.id]
    assert [d.id for d in store.dead_letters(status="discarded")] == [first.id]
    assert [d.id for d in store.dead_letters(status=None)] == [first.id, second.id]
    assert store.dead_letters(status="replayed") == []


def test_replaying_keeps_the_edited_payload_and_who_did_it(
    store: SqlStore, clock: FakeClock
) -> None:
    [job] = enqueue(store, 1)
    stored = store.dead_letter(letter(job.event, job.id))
    clock.advance(hours=2)

    resolved = store.resolve_dead_letter(stored.id, "replayed", by="anna", edited_payload=b"{}")

    assert resolved.status is DeadLetterStatus.REPLAYED
    assert (resolved.resolved_by, resolved.resolved_at, resolved.edited_payload) == (
        "anna",
        clock.now,
        b"{}",
    )
    assert store.dead_letter_by_id(stored.id) == resolved


def test_a_letter_is_resolved_once(store: SqlStore) -> None:
    [job] = enqueue(store, 1)
    stored = store.dead_letter(letter(job.event, job.id))
    store.resolve_dead_letter(stored.id, "discarded", by="anna")
    with pytest.raises(StateConflict, match="already discarded"):
        store.resolve_dead_letter(stored.id, "replayed", by="ben")
    assert store.dead_letter_by_id(stored.id).resolved_by == "anna"


def test_a_letter_is_resolved_as_replayed_or_discarded_only(store: SqlStore) -> None:
    [job] = enqueue(store, 1)
    stored = store.dead_letter(letter(job.event, job.id))
    with pytest.raises(ValueError, match="replayed or discarded"):
        store.resolve_dead_letter(stored.id, "open", by="anna")
    with pytest.raises(ValueError):
        store.resolve_dead_letter(stored.id, "fixed", by="anna")


def test_unknown_letters_are_not_found(store: SqlStore) -> None:
    with pytest.raises(NotFound):
        store.dead_letter_by_id(5)
    with pytest.raises(NotFound):
        store.resolve_dead_letter(5, "discarded", by="anna")
