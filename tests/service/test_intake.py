"""Intake: every payload is stored before it is acknowledged; redeliveries are duplicates;
unreadable payloads are kept as rejected events with a dead letter."""

from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing
from pathlib import Path

from plmsync.engine.model import EventStatus, JobState
from plmsync.engine.service import Engine
from plmsync.testing.packages import eco_package, release_package
from tests.service.conftest import erp, raw
from tests.service.delivery import deliver


def test_a_package_becomes_one_job_per_plant_with_its_effectivity(engine: Engine) -> None:
    received = engine.submit(raw(eco_package()))
    assert received.event.status == EventStatus.ACCEPTED
    assert received.event.content_hash == hashlib.sha256(raw(eco_package())).hexdigest()
    assert {(j.plant, j.effective_from, j.state) for j in received.jobs} == {
        ("US01", dt.date(2026, 6, 15), JobState.QUEUED),
        ("DE01", dt.date(2026, 6, 22), JobState.QUEUED),
    }
    assert engine.store.raw_payload(received.event.id) == raw(eco_package())


def test_receipt_is_audited_with_event_id_payload_hash_and_approvals(engine: Engine) -> None:
    received = engine.submit(raw(eco_package()))
    (entry,) = engine.audit_trail("ECO-0012")
    assert entry.action == "event.received"
    assert entry.event_id == "evt-0012"
    assert entry.payload_hash == received.event.content_hash
    assert [a["approver"] for a in entry.details["approvals"]] == ["a.lang", "m.keller"]


def test_five_deliveries_write_once_and_audit_four_duplicates(engine: Engine) -> None:
    for _ in range(5):
        engine.submit(raw(release_package()))
    engine.run_until_idle()
    writes = erp(engine).write_count
    actions = [e.action for e in engine.audit_trail("REL-0007")]
    assert actions.count("event.received") == 1
    assert actions.count("event.duplicate") == 4
    assert len(engine.store.jobs(change_number="REL-0007")) == 2
    assert writes == len(engine.store.steps(1))  # one write per posted step, no more


def test_a_resend_under_a_new_event_id_is_processed_and_converges(engine: Engine) -> None:
    """The envelope is part of the stored bytes, so a new event id is a new event; its plan
    against the ERP the first one wrote is empty."""
    engine.submit(raw(release_package()))
    engine.run_until_idle()
    writes = erp(engine).write_count
    again = engine.submit(raw(release_package(), event_id="evt-resent-by-plm"))
    assert not again.duplicate
    engine.run_until_idle()
    assert erp(engine).write_count == writes
    assert {engine.store.job(j.id).state for j in again.jobs} == {JobState.SUCCEEDED}


def test_an_unreadable_payload_is_kept_with_its_code_and_a_dead_letter(engine: Engine) -> None:
    payload = b'{"schema_version": "1", "change": {"number": "ECO-77"}, "colour": "red"}'
    received = engine.submit(payload)
    assert received.event.status == EventStatus.REJECTED
    assert received.event.change_number == "ECO-77"
    assert received.jobs == ()
    (letter,) = engine.dead_letters()
    assert letter.error_code == "PLMSYNC-PACKAGE-INVALID"
    assert "colour: unknown field" in letter.message
    assert engine.payload_of(letter) == payload
    assert engine.audit_trail("ECO-77")[0].action == "event.rejected"


def test_not_even_json_is_kept(engine: Engine) -> None:
    received = engine.submit(b"\x00\xff not json")
    assert received.event.status == EventStatus.REJECTED
    assert received.event.event_id.startswith("sha256:")
    assert engine.submit(b"\x00\xff not json").duplicate


def test_concurrent_deliveries_from_separate_processes_enqueue_once(
    engine: Engine, tmp_path: Path
) -> None:
    state = str(tmp_path / "state.sqlite")
    payload = raw(release_package())
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        duplicates = pool.starmap(deliver, [(state, payload)] * 5)
    assert sorted(duplicates) == [False, True, True, True, True]
    assert len(engine.store.jobs(change_number="REL-0007")) == 2
    actions = [e.action for e in engine.audit_trail("REL-0007")]
    assert (actions.count("event.received"), actions.count("event.duplicate")) == (1, 4)
    engine.run_until_idle()
    assert engine.verify_audit() is None
    assert {row.state for row in engine.status("REL-0007")} == {JobState.SUCCEEDED}
