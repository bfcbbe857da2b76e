"""Late events never regress a plant; future-effective changes are staged and activated."""

from __future__ import annotations

import datetime as dt

from plmsync.engine.clock import ManualClock
from plmsync.engine.model import JobState
from plmsync.engine.service import Engine
from plmsync.testing.fake_tables import Model
from plmsync.testing.packages import eco_package, release_package, renumber, revise
from tests.service.conftest import erp, raw

TODAY = dt.date(2026, 6, 1)


def _effective_now(package_bytes: bytes) -> bytes:
    """ECO-0012 with both plants effective on the manual clock's first day."""
    return package_bytes.replace(b"2026-06-15", b"2026-06-01").replace(b"2026-06-22", b"2026-06-01")


def _older_eco() -> bytes:
    """ECO-0011, released before ECO-0012: the same change but GRS-40 only goes to rev B."""
    package = renumber(revise(eco_package(), "GRS-40", "B"), "ECO-0011")
    affected = tuple(
        a.model_copy(update={"from_revision": "A", "to_revision": "B"})
        if a.number == "GRS-40"
        else a
        for a in package.change.affected_items
    )
    change = package.change.model_copy(update={"affected_items": affected})
    source = package.source.model_copy(update={"event_id": "evt-0011"})
    return _effective_now(raw(package.model_copy(update={"change": change, "source": source})))


def _bom_in_use(engine: Engine, item: str, plant: str = "US01") -> str:
    return erp(engine, plant).read({item}).boms[item].revision


def test_an_older_revision_arriving_late_is_superseded_and_erp_stays(engine: Engine) -> None:
    engine.submit(raw(release_package()))
    engine.submit(_effective_now(raw(eco_package())))  # GRS-40 rev C
    engine.run_until_idle()
    assert _bom_in_use(engine, "GRS-40") == "C"
    writes = erp(engine).write_count
    (us01, _) = engine.submit(_older_eco()).jobs
    engine.run_until_idle()
    job = engine.store.job(us01.id)
    assert job.state == JobState.SUPERSEDED
    reason = engine.store.transitions(us01.id)[-1].reason
    assert reason.startswith("bom GRS-40 rev B is older than rev C already in ERP")
    assert _bom_in_use(engine, "GRS-40") == "C"
    assert erp(engine).write_count == writes
    (entry,) = [
        e
        for e in engine.audit_trail("ECO-0011")
        if e.action == "job.superseded" and e.plant == "US01"
    ]
    assert "rev C already in ERP" in entry.details["reason"]


def test_a_late_older_revision_yields_to_a_newer_one_staged_earlier(engine: Engine) -> None:
    """Rev C was accepted first and waits for its date; rev B, released before it, arrives
    late: B must not be posted over the plant's way to C."""
    engine.submit(raw(release_package()))
    engine.run_until_idle()
    newer = engine.submit(raw(eco_package())).jobs  # staged until 06-15 / 06-22
    engine.run_until_idle()
    older = engine.submit(_older_eco()).jobs
    engine.run_until_idle()
    assert {engine.store.job(j.id).state for j in older} == {JobState.SUPERSEDED}
    reason = engine.store.transitions(older[0].id)[-1].reason
    assert f"older than rev C pending in ECO-0012 (job {newer[0].id}, staged)" in reason
    assert _bom_in_use(engine, "GRS-40") == "B"  # the release's, until C's date


def test_revisions_arriving_in_order_are_applied_in_order(engine: Engine) -> None:
    """Rev B arrives first, rev C right after, both effective now: B is posted, then C —
    nothing of B is dropped just because C is already waiting."""
    engine.submit(raw(release_package()))
    engine.run_until_idle()
    older = engine.submit(_older_eco()).jobs
    newer = engine.submit(_effective_now(raw(eco_package()))).jobs
    engine.run_until_idle()
    assert {engine.store.job(j.id).state for j in (*older, *newer)} == {JobState.SUCCEEDED}
    assert _bom_in_use(engine, "GRS-40") == "C"
    posted = [e.change_number for e in engine.audit_trail() if e.action == "job.succeeded"]
    assert posted[-4:] == ["ECO-0011", "ECO-0011", "ECO-0012", "ECO-0012"]


def test_a_future_change_is_staged_until_its_date_then_activated(
    engine: Engine, clock: ManualClock
) -> None:
    engine.submit(raw(release_package()))
    engine.run_until_idle()
    (us01, de01) = engine.submit(raw(eco_package())).jobs  # US01 06-15, DE01 06-22
    engine.run_until_idle()
    rows = {r.plant: r for r in engine.status("ECO-0012")}
    assert rows["US01"].state == JobState.STAGED
    assert rows["US01"].next_activation == dt.date(2026, 6, 15)
    assert rows["DE01"].next_activation == dt.date(2026, 6, 22)
    # the new revisions exist, but production still uses the old ones
    assert _bom_in_use(engine, "GRS-40") == "B"
    assert len(erp(engine).revisions(Model.BOM, "GRS-40")) == 1  # staged BOMs are on no list
    assert engine.activate(dt.date(2026, 6, 14)) == []

    activated = engine.activate(dt.date(2026, 6, 15))
    assert [j.id for j in activated] == [us01.id]
    engine.run_until_idle()
    assert engine.store.job(us01.id).state == JobState.SUCCEEDED
    assert _bom_in_use(engine, "GRS-40", "US01") == "C"
    assert _bom_in_use(engine, "GRS-40", "DE01") == "B"
    assert engine.store.job(de01.id).state == JobState.STAGED
    actions = [(e.action, e.plant) for e in engine.audit_trail("ECO-0012")]
    assert ("plant.activated", "US01") in actions and ("plant.activated", "DE01") not in actions


def test_the_worker_activates_due_changes_by_itself(engine: Engine, clock: ManualClock) -> None:
    engine.submit(raw(release_package()))
    (us01, de01) = engine.submit(raw(eco_package())).jobs
    engine.run_until_idle()
    clock.set(dt.datetime(2026, 6, 22, 6, 0, tzinfo=dt.UTC))
    engine.run_until_idle()
    assert {engine.store.job(j.id).state for j in (us01, de01)} == {JobState.SUCCEEDED}
    assert _bom_in_use(engine, "PMP-40", "DE01") == "B"


def test_a_change_effective_today_switches_at_once(engine: Engine) -> None:
    engine.submit(raw(release_package()))
    engine.submit(_effective_now(raw(eco_package())))
    engine.run_until_idle()
    assert {r.state for r in engine.status("ECO-0012")} == {JobState.SUCCEEDED}
    assert _bom_in_use(engine, "GRS-40", "DE01") == "C"
