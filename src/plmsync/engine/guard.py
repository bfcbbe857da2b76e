"""The revision guard: a late event must never roll a plant back to an older revision.

Before a job posts anything it compares the revision of every object its package carries for
the plant with (a) what the plant's ERP holds now (the plan's current records) and (b) what
the pending jobs it is given carry — the executor passes the plant's changes accepted
*before* this one that have not posted yet (e.g. staged for a later date); later arrivals
run after it (`engine.order`), so they cannot be regressed by it. If either holds a newer
revision of any object, the job is superseded, with a reason naming the first such object.
Comparison is `plmsync.domain.revision`; this module only gathers the revisions.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from plmsync.domain.errors import PackageRejected
from plmsync.domain.package import ChangePackage
from plmsync.domain.plan import Plan
from plmsync.domain.revision import ObjectRevisions, Regression, regressions
from plmsync.domain.state import ObjectKind
from plmsync.engine.model import Job
from plmsync.pipeline.fetch import parse_package


def package_revisions(package: ChangePackage, plant: str) -> dict[tuple[str, str], str]:
    """(kind, key) → revision of what the package carries for a plant, keyed like plan steps."""
    revisions: dict[tuple[str, str], str] = {}
    revisions.update({(ObjectKind.ITEM, i.number): i.revision for i in package.items})
    revisions.update({(ObjectKind.BOM, b.item): b.revision for b in package.boms})
    routings = (r for r in package.routings if r.plant == plant)
    revisions.update({(ObjectKind.ROUTING, r.item): r.revision for r in routings})
    for document in package.documents:
        for item in document.items:
            revisions[(ObjectKind.DOCUMENT, f"{item}/{document.number}")] = document.revision
    return revisions


def erp_revisions(plan: Plan) -> dict[tuple[str, str], str]:
    """What the ERP holds now, as read for the plan."""
    return {
        (step.kind, step.key): str(getattr(step.current, "revision", ""))
        for step in plan.steps
        if hasattr(step.current, "revision")
    }


def check_revisions(
    package: ChangePackage, plan: Plan, pending: Iterable[tuple[Job, bytes]]
) -> list[Regression]:
    """Every regression this job would cause; empty when it may post."""
    ours = package_revisions(package, plan.plant)
    found = regressions(ours, erp_revisions(plan), "already in ERP")
    for job, raw in pending:
        found += regressions(ours, _pending_revisions(raw, plan.plant), _pending_label(job))
    return found


def superseded_reason(found: list[Regression]) -> str:
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    return found[0].describe() + more


# Every job re-checks every pending job of its plant, so one staged package is read once
# per job that runs before its date: parsing it each time cost 20 % of a drain of 240 jobs
# (bench.profile_engine). Payloads are immutable, so their revisions are cached by content.
@lru_cache(maxsize=512)
def _pending_revisions(raw: bytes, plant: str) -> ObjectRevisions:
    try:
        return package_revisions(parse_package(raw), plant)
    except PackageRejected:
        return {}  # an unreadable payload carries no revision that could be newer


def _pending_label(job: Job) -> str:
    return f"pending in {job.change_number} (job {job.id}, {job.state})"
