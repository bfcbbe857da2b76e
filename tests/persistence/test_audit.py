"""The audit trail: append-only, hash-chained, tampering found at the entry it touched."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from decimal import Decimal

import pytest
import sqlalchemy as sa

from plmsync.engine.model import AuditEntry
from plmsync.persistence import SqlStore
from plmsync.ports.store import AuditDraft

from .conftest import START, FakeClock


def draft(n: int, change: str = "ECO-1", **changes: object) -> AuditDraft:
    base = AuditDraft(
        change_number=change,
        action="erp.posted",
        plant="US01",
        event_id="evt-1",
        payload_hash="ab" * 32,
        erp_model="product.product",
        record_ids=(n, f"r{n}"),
        operation="create",
        attempt=1,
        outcome="ok",
        details={"n": n, "qty": Decimal("1.50"), "when": START, "tags": ["a", "b"]},
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def expected_hash(entry: AuditEntry) -> str:
    """The documented formula, written out independently of the store's code."""
    fields = {
        "sequence": entry.sequence,
        "at": entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "change_number": entry.change_number,
        "action": entry.action,
        "plant": entry.plant,
        "event_id": entry.event_id,
        "payload_hash": entry.payload_hash,
        "actor": entry.actor,
        "erp_model": entry.erp_model,
        "record_ids": list(entry.record_ids),
        "operation": entry.operation,
        "attempt": entry.attempt,
        "outcome": entry.outcome,
        "details": entry.details,
        "previous_hash": entry.previous_hash,
    }
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((entry.previous_hash + canonical).encode()).hexdigest()


def fill(store: SqlStore, clock: FakeClock, count: int) -> list[AuditEntry]:
    entries = []
    for n in range(1, count + 1):
        clock.advance(seconds=1)
        entries.append(store.audit(draft(n, change=f"ECO-{n % 2}")))
    return entries


def test_entries_are_numbered_and_chained(store: SqlStore, clock: FakeClock) -> None:
    first, second, third = fill(store, clock, 3)

    assert [e.sequence for e in (first, second, third)] == [1, 2, 3]
    assert first.previous_hash == ""
    assert second.previous_hash == first.hash
    assert third.previous_hash == second.hash
    for entry in (first, second, third):
        assert entry.hash == expected_hash(entry)
    assert first.at == START + dt.timedelta(seconds=1)
    assert first.details == {
        "n": 1,
        "qty": "1.50",
        "when": "2026-03-02T08:00:00.000000+00:00",
        "tags": ["a", "b"],
    }
    assert first.record_ids == (1, "r1")


def test_an_intact_chain_verifies(store: SqlStore, clock: FakeClock) -> None:
    assert store.verify_audit() is None
    fill(store, clock, 5)
    assert store.verify_audit() is None


def test_the_trail_reads_back_what_was_written(store: SqlStore, clock: FakeClock) -> None:
    entries = fill(store, clock, 4)
    assert store.audit_trail() == entries
    assert [e.sequence for e in store.audit_trail("ECO-1")] == [1, 3]
    assert store.audit_trail("ECO-404") == []


def test_defaults_of_a_bare_draft(store: SqlStore) -> None:
    entry = store.audit(AuditDraft(change_number="ECO-1", action="event.received"))
    assert (entry.actor, entry.details, entry.record_ids, entry.attempt) == ("plmsync", {}, (), 0)
    assert store.verify_audit() is None


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("outcome", "'x'"),
        ("actor", "'mallory'"),
        ("attempt", "7"),
        ("details", "'{}'"),
        ("record_ids", "'[]'"),
        ("previous_hash", "'00'"),
        ("hash", "'00'"),
    ],
)
def test_an_edited_entry_is_found(
    store: SqlStore, clock: FakeClock, column: str, value: str
) -> None:
    fill(store, clock, 5)
    with store.engine.begin() as connection:
        connection.exec_driver_sql(f"UPDATE audit SET {column} = {value} WHERE sequence = 3")

    broken = store.verify_audit()

    assert broken is not None
    assert broken.sequence == 3


def test_an_edited_timestamp_is_found(store: SqlStore, clock: FakeClock) -> None:
    fill(store, clock, 5)
    from plmsync.persistence.tables import audit

    later = START + dt.timedelta(days=1)
    with store.engine.begin() as connection:
        connection.execute(sa.update(audit).where(audit.c.sequence == 2).values(at=later))
    broken = store.verify_audit()
    assert broken is not None and broken.sequence == 2


def test_a_deleted_entry_breaks_the_next_link(store: SqlStore, clock: FakeClock) -> None:
    fill(store, clock, 5)
    with store.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM audit WHERE sequence = 3")
    broken = store.verify_audit()
    assert broken is not None and broken.sequence == 4


def test_appends_after_tampering_do_not_hide_it(store: SqlStore, clock: FakeClock) -> None:
    fill(store, clock, 3)
    with store.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE audit SET outcome = 'x' WHERE sequence = 2")
    fill(store, clock, 2)
    broken = store.verify_audit()
    assert broken is not None and broken.sequence == 2
