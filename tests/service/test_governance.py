"""Governance in the engine, on the in-memory ERP: triggers skip, checkpoints hold a job with
one review task, approval posts and rejection cancels, drift is found, healed or reviewed,
and manual touchpoints are counted."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
import yaml

from plmsync.bootstrap import build_engine
from plmsync.config import WorkspaceConfig
from plmsync.domain.errors import ConfigError
from plmsync.domain.package import ChangePackage
from plmsync.domain.plan import Action, Step
from plmsync.domain.state import ObjectKind
from plmsync.engine.clock import ManualClock
from plmsync.engine.errors import StateConflict
from plmsync.engine.model import JobState
from plmsync.engine.reconcile import Handling
from plmsync.engine.service import Engine
from plmsync.ports.erp import ChangeRef
from plmsync.ports.reviews import ReviewNotFound, ReviewTask
from plmsync.testing import governance as g
from plmsync.testing.packages import eco_package, release_package
from tests.service.conftest import erp, raw

PLANTS = {"US01": "NA", "DE01": "EU", "CN01": "APAC"}


def config(base_dir: Path, rules: str = g.GOVERNANCE_RULES, **engine: Any) -> WorkspaceConfig:
    document = {
        "plants": {code: {"target": code, "region": region} for code, region in PLANTS.items()},
        "targets": {code: {"kind": "memory"} for code in PLANTS},
        "engine": {"worker_threads": 1, "jitter": 0, "poll_seconds": 30, **engine},
        **yaml.safe_load(rules),
        "base_dir": base_dir,
    }
    return WorkspaceConfig.model_validate(document)


@pytest.fixture
def governed(tmp_path: Path, clock: ManualClock) -> Iterator[Engine]:
    engine = build_engine(config(tmp_path), clock=clock)
    yield engine
    engine.close()


def for_plants(package_bytes: bytes, *plants: str) -> bytes:
    """The package for these plants only, effective on the manual clock's first day."""
    package = ChangePackage.model_validate_json(package_bytes)
    return raw(g.only_plants(package, plants, dt.date(2026, 6, 1)))


def listed(task: ReviewTask, name: str) -> list[dict[str, Any]]:
    """The hits, diff or drift a task holds (JSON in the store)."""
    return cast(list[dict[str, Any]], task.details[name])


def states(engine: Engine, change: str) -> dict[str, JobState]:
    return {row.plant: row.state for row in engine.status(change)}


# --- triggers ----------------------------------------------------------------------------------


def test_an_eco_in_work_is_skipped_with_its_reason_and_posts_nothing(engine: Engine) -> None:
    engine.submit(raw(release_package()))
    engine.run_until_idle()
    writes = erp(engine).write_count
    eco = for_plants(raw(g.with_state(eco_package(), "in_work")), "US01", "DE01")
    engine.submit(eco)
    engine.run_until_idle()
    assert states(engine, "ECO-0012") == {"US01": JobState.SKIPPED, "DE01": JobState.SKIPPED}
    assert erp(engine).write_count == writes
    skipped = [e for e in engine.audit_trail("ECO-0012") if e.action == "job.skipped"]
    assert len(skipped) == 2
    assert skipped[0].details["reason"] == (
        "eco ECO-0012 is in_work; eco changes sync when approved or released"
    )

    engine.submit(for_plants(raw(g.with_state(eco_package(), "approved"), "evt-2"), "US01"))
    engine.run_until_idle()
    assert states(engine, "ECO-0012")["US01"] is JobState.SUCCEEDED
    assert erp(engine).read({"GRS-40"}).boms["GRS-40"].revision == "C"


# --- checkpoints and review tasks ----------------------------------------------------------------


def test_a_compliance_changing_substitution_waits_for_one_task_then_posts_on_approval(
    governed: Engine,
) -> None:
    package = g.compliance_changing(g.governed_release(controlled=False))
    governed.submit(for_plants(raw(package), "US01", "DE01"))
    governed.run_until_idle()
    assert states(governed, "REL-0007") == {
        "US01": JobState.SUCCEEDED,
        "DE01": JobState.WAITING_REVIEW,
    }
    (task,) = governed.reviews.tasks()
    assert (task.plant, task.owner_role, task.status) == ("DE01", "compliance", "open")
    (hit,) = listed(task, "hits")
    assert hit["rule"] == "substitution_changes_compliance"
    assert hit["values"]["reach"] == "yes → no"
    assert any(step["key"] == "PMP-40" for step in listed(task, "diff"))
    assert erp(governed, "DE01").write_count == 0

    governed.reviews.approve(task.id, by="clara", comment="REACH waiver W-12")
    governed.run_until_idle()
    assert states(governed, "REL-0007")["DE01"] is JobState.SUCCEEDED
    assert len(governed.reviews.tasks(status=None)) == 1  # the re-run did not stop again
    bom = erp(governed, "DE01").read({"PMP-40"}).boms["PMP-40"]
    assert g.EU_SCREW in bom.components
    actions = [e.action for e in governed.audit_trail("REL-0007")]
    assert actions.count("review.opened") == actions.count("review.approved") == 1


def test_rejection_cancels_the_plant_with_an_audited_reason(governed: Engine) -> None:
    package = g.compliance_changing(g.governed_release(controlled=False))
    governed.submit(for_plants(raw(package), "DE01"))
    governed.run_until_idle()
    (task,) = governed.reviews.tasks()
    governed.reviews.reject(task.id, by="clara", comment="no REACH waiver")
    assert states(governed, "REL-0007") == {"DE01": JobState.CANCELLED}
    assert erp(governed, "DE01").write_count == 0
    (entry,) = [e for e in governed.audit_trail("REL-0007") if e.action == "review.rejected"]
    assert (entry.actor, entry.details["comment"]) == ("clara", "no REACH waiver")
    with pytest.raises(StateConflict):
        governed.reviews.approve(task.id, by="bob")
    with pytest.raises(ReviewNotFound):
        governed.reviews.task(999)


def test_an_export_controlled_item_holds_the_excluded_plant_only(governed: Engine) -> None:
    governed.submit(for_plants(raw(g.governed_release()), "US01", "CN01"))
    governed.run_until_idle()
    assert states(governed, "REL-0007") == {
        "US01": JobState.SUCCEEDED,
        "CN01": JobState.WAITING_REVIEW,
    }
    (task,) = governed.reviews.tasks()
    assert task.owner_role == "trade_compliance"
    assert "GR-401 is export-controlled (5A002) and withheld from CN01" in task.reason
    governed.reviews.approve(task.id, by="tom")
    governed.run_until_idle()
    cn01 = erp(governed, "CN01").read({"GRS-40", g.CONTROLLED})
    assert g.CONTROLLED not in cn01.items
    assert g.CONTROLLED not in cn01.boms["GRS-40"].components


def test_a_standard_change_opens_no_task(governed: Engine) -> None:
    governed.submit(for_plants(raw(g.governed_release(controlled=False)), "US01", "DE01"))
    governed.run_until_idle()
    assert set(states(governed, "REL-0007").values()) == {JobState.SUCCEEDED}
    assert governed.reviews.tasks(status=None) == []


def test_an_erp_edit_the_change_would_overwrite_holds_it(engine: Engine) -> None:
    engine.submit(raw(release_package()))
    engine.run_until_idle()
    _edit_name(engine, "US01", "GRS-40", "Gear set (renamed in ERP)")
    eco = g.with_item_name(eco_package(), "GRS-40", "Gear set GP-40, hardened")
    engine.submit(for_plants(raw(eco), "US01"))
    engine.run_until_idle()
    (task,) = engine.reviews.tasks()
    assert listed(task, "hits")[0]["rule"] == "erp_drift_conflict"
    assert "Gear set (renamed in ERP)" in task.reason


# --- drift ---------------------------------------------------------------------------------------


def _edit_name(engine: Engine, plant: str, number: str, name: str) -> None:
    """Someone edits the item in the ERP, behind plmsync's back."""
    target = erp(engine, plant)
    item = target.read({number}).items[number]
    edited = dataclasses.replace(item, name=name)
    step = Step(ObjectKind.ITEM, Action.UPDATE, number, edited, item, ("name",))
    target.apply(ChangeRef("ERP-USER", plant), [step])


def test_reconcile_reports_drift_and_heals_plm_owned_attributes(engine: Engine) -> None:
    engine.submit(raw(release_package()))
    engine.run_until_idle()
    assert all(not plant.findings for plant in engine.reconcile())
    _edit_name(engine, "US01", "PMP-40", "Pump (edited)")

    (us01,) = engine.reconcile(["US01"])
    (finding,) = us01.findings
    assert (finding.drift.attribute, finding.drift.synced, finding.drift.in_erp) == (
        "name",
        "Gear pump GP-40",
        "Pump (edited)",
    )
    assert (finding.change, finding.handling) == ("REL-0007", Handling.REPORTED)

    (healed,) = engine.reconcile(["US01"], heal=True, actor="ops")
    assert healed.findings[0].handling == Handling.HEALED
    assert erp(engine).read({"PMP-40"}).items["PMP-40"].name == "Gear pump GP-40"
    (entry,) = [e for e in engine.audit_trail("REL-0007") if e.action == "drift.healed"]
    assert entry.actor == "ops" and entry.record_ids
    assert entry.details["attributes"] == [
        ["item", "PMP-40", "name", "Pump (edited)", "Gear pump GP-40"]
    ]
    assert all(not plant.findings for plant in engine.reconcile())
    with pytest.raises(ConfigError, match="no plant XX01"):
        engine.reconcile(["XX01"])


REVIEWED_NAMES = """
rules:
  ownership:
    item:
      name: {owner: shared, policy: review}
"""


def test_drift_on_a_review_policy_attribute_opens_one_task_instead_of_healing(
    tmp_path: Path, clock: ManualClock
) -> None:
    engine = build_engine(config(tmp_path, REVIEWED_NAMES), clock=clock)
    try:
        engine.submit(for_plants(raw(release_package()), "US01"))
        engine.run_until_idle()
        _edit_name(engine, "US01", "PMP-40", "Pump (edited)")
        for _ in range(2):  # a second run does not open a second task
            (us01,) = engine.reconcile(["US01"], heal=True)
            assert [f.handling for f in us01.findings] == [Handling.REVIEW_OPEN]
        (task,) = engine.reviews.tasks()
        assert listed(task, "drift")[0]["in_erp"] == "Pump (edited)"
        assert erp(engine).read({"PMP-40"}).items["PMP-40"].name == "Pump (edited)"

        engine.reviews.approve(task.id, by="pat")
        assert engine.store.job(task.job).state is JobState.SUCCEEDED  # no job moves
        (us01,) = engine.reconcile(["US01"], heal=True)
        assert [f.handling for f in us01.findings] == [Handling.HEALED]
        assert erp(engine).read({"PMP-40"}).items["PMP-40"].name == "Gear pump GP-40"

        _edit_name(engine, "US01", "PMP-40", "Pump (edited again)")
        engine.reconcile(["US01"])
        (again,) = engine.reviews.tasks()
        engine.reviews.reject(again.id, by="pat", comment="ERP's name is right")
        (us01,) = engine.reconcile(["US01"], heal=True)
        assert [f.handling for f in us01.findings] == [Handling.KEPT]
        assert erp(engine).read({"PMP-40"}).items["PMP-40"].name == "Pump (edited again)"
    finally:
        engine.close()


def test_a_long_running_worker_reconciles_on_its_schedule(
    tmp_path: Path, clock: ManualClock
) -> None:
    engine = build_engine(
        config(tmp_path, "{}", reconcile_every_seconds=60, reconcile_heal=True), clock=clock
    )
    try:
        engine.submit(for_plants(raw(release_package()), "US01"))
        engine.run_until_idle()
        _edit_name(engine, "US01", "PMP-40", "Pump (edited)")
        engine.run_until_idle()  # not scheduled: sync and embedded runs do not reconcile
        assert erp(engine).read({"PMP-40"}).items["PMP-40"].name == "Pump (edited)"
        (worker,) = engine.workers(scheduled=True)
        worker.step()
        assert erp(engine).read({"PMP-40"}).items["PMP-40"].name == "Gear pump GP-40"
        _edit_name(engine, "US01", "PMP-40", "Pump (edited)")
        worker.step()  # within the interval: not yet
        assert erp(engine).read({"PMP-40"}).items["PMP-40"].name == "Pump (edited)"
        clock.advance(dt.timedelta(seconds=61))
        worker.step()
        assert erp(engine).read({"PMP-40"}).items["PMP-40"].name == "Gear pump GP-40"
    finally:
        engine.close()


# --- touchpoints ----------------------------------------------------------------------------------


def test_manual_touchpoints_are_counted_per_change(engine: Engine) -> None:
    erp(engine).reject_keys = {"PMP-40"}
    engine.submit(raw(release_package()))
    engine.run_until_idle()
    erp(engine).reject_keys = set()
    (letter,) = engine.dead_letters()
    engine.replay(letter.id, by="alice")  # a replay
    engine.submit(raw(eco_package()))  # effective 2026-06-15 and -22: staged
    engine.run_until_idle()
    assert len(engine.activate(dt.date(2026, 6, 22), by="ops")) == 2  # two activations
    engine.activate(dt.date(2026, 6, 23))  # the worker's own scheduler: not a person
    engine.run_until_idle()

    counted = engine.touchpoints()
    assert (counted["REL-0007"].replays, counted["REL-0007"].total) == (1, 1)
    assert (counted["ECO-0012"].activations, counted["ECO-0012"].total) == (2, 2)
    assert engine.touchpoints("ECO-0012").keys() == {"ECO-0012"}
