"""The revision guard gathers revisions from a package, the ERP (through the plan) and other
pending jobs; a newer one anywhere supersedes the job."""

from __future__ import annotations

from plmsync.domain.package import ChangePackage
from plmsync.domain.plan import Plan
from plmsync.domain.state import TargetState, state_of
from plmsync.engine.guard import (
    check_revisions,
    erp_revisions,
    package_revisions,
    superseded_reason,
)
from plmsync.engine.model import Job, JobState
from plmsync.pipeline.derive import derive
from plmsync.pipeline.plan import plan
from plmsync.testing.packages import US01, eco_package, release_package, revise


def _plan_against(actual: TargetState) -> Plan:
    package = eco_package()
    desired = derive(package, US01)
    return plan(package.change.number, "US01", desired, actual)


def _job(change: str = "ECO-9") -> Job:
    return Job(id=9, event=9, change_number=change, plant="US01", state=JobState.QUEUED)


def _raw(package: ChangePackage) -> bytes:
    return package.model_dump_json().encode()


def test_package_revisions_are_keyed_like_plan_steps() -> None:
    revisions = package_revisions(eco_package(), "US01")
    assert revisions[("item", "GRS-40")] == "C"
    assert revisions[("bom", "PMP-40")] == "B"
    assert revisions[("document", "PMP-40/DRW-40")] == "B"
    de01 = package_revisions(release_package(), "DE01")
    assert ("routing", "PMP-40") in de01


def test_a_newer_revision_in_erp_supersedes() -> None:
    newer_in_erp = derive(revise(eco_package(), "GRS-40", "D"), US01)
    plan_ = _plan_against(newer_in_erp)
    assert erp_revisions(plan_)[("item", "GRS-40")] == "D"
    found = check_revisions(eco_package(), plan_, [])
    assert superseded_reason(found).startswith(
        "bom GRS-40 rev C is older than rev D already in ERP"
    )
    assert "(and 1 more)" in superseded_reason(found)


def test_an_older_revision_in_erp_lets_the_job_post() -> None:
    released = derive(release_package(), US01)
    assert check_revisions(eco_package(), _plan_against(released), []) == []


def test_the_same_revision_in_erp_is_no_regression() -> None:
    applied = derive(eco_package(), US01)
    assert check_revisions(eco_package(), _plan_against(applied), []) == []


def test_a_newer_pending_job_supersedes() -> None:
    pending = [(_job(), _raw(revise(eco_package(), "GRS-40", "D")))]
    found = check_revisions(eco_package(), _plan_against(state_of([])), pending)
    assert found[0].describe().endswith("pending in ECO-9 (job 9, queued)")


def test_an_unreadable_pending_payload_is_ignored() -> None:
    pending = [(_job(), b"{not json")]
    assert check_revisions(eco_package(), _plan_against(state_of([])), pending) == []


def test_revisions_of_another_plant_do_not_count() -> None:
    """Routings are per plant: DE01's routing revision says nothing about US01."""
    revisions = package_revisions(release_package(), "US01")
    routings = [key for key in revisions if key[0] == "routing"]
    assert routings == [("routing", "PMP-40")]
