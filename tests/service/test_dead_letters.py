"""Dead letters keep what failed with its code, the ERP's words and the original payload;
replay (as is, or edited) and discard are audited operator actions."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import pytest

from plmsync.domain.errors import ErpMessage, RejectedError
from plmsync.domain.plan import Step
from plmsync.engine.model import DeadLetterStatus, JobState, StepStatus
from plmsync.engine.replay import ReplayRefused
from plmsync.engine.service import Engine
from plmsync.ports.erp import ChangeRef, Posting
from plmsync.testing.faults import FaultyErp
from plmsync.testing.packages import release_package, with_line_quantity
from tests.service.conftest import EngineFactory, erp, raw


def test_a_rejected_step_is_dead_lettered_and_replayed_after_the_fix(engine: Engine) -> None:
    erp(engine).reject_keys = {"PMP-40"}
    (us01, de01) = engine.submit(raw(release_package())).jobs
    engine.run_until_idle()
    assert engine.store.job(us01.id).state == JobState.DEAD
    assert engine.store.job(de01.id).state == JobState.SUCCEEDED
    (letter,) = engine.dead_letters()
    assert letter.error_code == "PLMSYNC-ERP-REJECTED"
    assert letter.step is not None and letter.step["key"] == "PMP-40"
    assert [a.error_code for a in letter.attempts] == ["PLMSYNC-ERP-REJECTED"]  # never retried
    assert engine.payload_of(letter) == raw(release_package())
    assert erp(engine).write_count == 0  # the refused call left nothing behind

    erp(engine).reject_keys = set()  # the cause is fixed
    result = engine.replay(letter.id, by="alice")
    assert result.requeued_job == us01.id
    assert result.letter.status == DeadLetterStatus.REPLAYED
    assert result.letter.resolved_by == "alice"
    engine.run_until_idle()
    assert engine.store.job(us01.id).state == JobState.SUCCEEDED
    assert engine.dead_letters() == []
    replayed = [e for e in engine.audit_trail("REL-0007") if e.action == "deadletter.replayed"]
    assert replayed[0].actor == "alice"


class _RefusingErp(FaultyErp):
    """Delegates (no faults injected) but refuses BOM PMP-40 the way Tryton words a refusal."""

    def apply(self, change: ChangeRef, steps: Sequence[Step]) -> list[Posting]:
        if any(s.kind == "bom" and s.key == "PMP-40" for s in steps):
            message = ErpMessage('The value "x" for field "Unit" is not valid.', model="bom")
            raise RejectedError("PMP-40 refused", erp_messages=[message], object_key="PMP-40#30")
        return self.inner.apply(change, steps)


def test_the_failed_step_and_the_erps_words_are_kept(make_engine: EngineFactory) -> None:
    engine = make_engine(_RefusingErp)
    engine.submit(raw(release_package()))
    engine.run_until_idle()
    letter = engine.dead_letters()[0]
    assert letter.error_code == "PLMSYNC-ERP-REJECTED"
    assert letter.erp_messages[0]["text"] == 'The value "x" for field "Unit" is not valid.'
    assert letter.step is not None and letter.step["kind"] == "bom"
    assert letter.step["desired"]["lines"][2]["quantity"] == "6"
    steps = engine.store.steps(letter.job or 0)
    assert steps and {s.status for s in steps} == {StepStatus.FAILED}


def test_a_replay_with_an_edited_payload_is_a_new_event_and_is_audited(engine: Engine) -> None:
    too_fine = with_line_quantity(release_package(), "PMP-40", 30, Decimal("6.5"))
    original = engine.submit(raw(too_fine))
    engine.run_until_idle()
    letters = engine.dead_letters()
    assert len(letters) == 2  # both plants refused it
    edited = raw(release_package())  # the corrected payload (6 screws)
    result = engine.replay(letters[0].id, payload=edited, by="bob")
    assert result.received is not None
    assert result.received.event.event_id == "evt-0001#replay-1"
    engine.run_until_idle()
    assert {row.state for row in engine.status("REL-0007")} == {JobState.SUCCEEDED}
    for letter in engine.dead_letters(status=None):
        assert letter.status == DeadLetterStatus.REPLAYED
        assert letter.edited_payload == edited
    assert {engine.store.job(j.id).state for j in original.jobs} == {JobState.CANCELLED}
    (entry,) = [e for e in engine.audit_trail("REL-0007") if e.action == "deadletter.edited"]
    assert entry.actor == "bob"
    assert entry.details["replay_event_id"] == "evt-0001#replay-1"
    assert entry.payload_hash == original.event.content_hash
    assert engine.verify_audit() is None


def test_a_rejected_event_is_replayed_with_a_corrected_payload(engine: Engine) -> None:
    engine.submit(b'{"source": {"event_id": "evt-bad"}, "oops": 1}')
    (letter,) = engine.dead_letters()
    with pytest.raises(ReplayRefused, match="not a valid change package"):
        engine.replay(letter.id, by="carol")
    result = engine.replay(letter.id, payload=raw(release_package()), by="carol")
    assert result.received is not None and result.received.event.event_id == "evt-bad#replay-1"
    engine.run_until_idle()
    assert {row.state for row in engine.status("REL-0007")} == {JobState.SUCCEEDED}


def test_discard_cancels_the_job_and_closes_the_letter(engine: Engine) -> None:
    erp(engine).reject_keys = {"PMP-40"}
    (us01, _) = engine.submit(raw(release_package())).jobs
    engine.run_until_idle()
    letter = engine.dead_letters()[0]
    discarded = engine.discard(letter.id, by="dave")
    assert discarded.status == DeadLetterStatus.DISCARDED
    assert engine.store.job(us01.id).state == JobState.CANCELLED
    with pytest.raises(ReplayRefused, match="already discarded"):
        engine.replay(letter.id, by="dave")
    assert "deadletter.discarded" in [e.action for e in engine.audit_trail("REL-0007")]


def test_an_invalid_package_dies_listing_every_issue_and_writes_nothing(engine: Engine) -> None:
    package = release_package()
    change = package.change.model_copy(
        update={
            "plants": (
                *package.change.plants,
                package.change.plants[0].model_copy(update={"plant": "XX99"}),
            )
        }
    )
    items = tuple(
        i.model_copy(update={"uom": "BARREL"}) if i.number == "GR-401" else i for i in package.items
    )
    engine.submit(raw(package.model_copy(update={"change": change, "items": items})))
    engine.run_until_idle()
    letters = engine.dead_letters()
    assert {d.error_code for d in letters} == {"PLMSYNC-VALIDATION"}
    assert len(letters) == 3  # one per plant of the change, the unknown one included
    assert "PLMSYNC-PLANT-UNKNOWN" in letters[0].message
    assert "PLMSYNC-UOM-UNKNOWN" in letters[0].message
    assert erp(engine).write_count == erp(engine, "DE01").write_count == 0


def test_a_replayed_job_gets_a_fresh_retry_budget(make_engine: EngineFactory) -> None:
    engine = make_engine(max_attempts=2)
    erp(engine).unavailable = True
    (us01, _) = engine.submit(raw(release_package())).jobs
    engine.run_until_idle()
    letter = next(d for d in engine.dead_letters() if d.job == us01.id)
    assert len(letter.attempts) == 2
    erp(engine).unavailable = False
    engine.replay(letter.id, by="erin")
    engine.run_until_idle()
    assert engine.store.job(us01.id).state == JobState.SUCCEEDED
