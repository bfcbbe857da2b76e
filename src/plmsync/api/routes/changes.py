"""Changes: submit a package, list changes, one change per plant, its plan; validate."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from plmsync.api.deps import ChangesReader, ChangesWriter, EngineDep, RawBody, Services
from plmsync.api.models.changes import (
    Accepted,
    ChangeDetail,
    ChangeList,
    PlanList,
    ValidationReport,
)
from plmsync.api.models.problem import IssueOut
from plmsync.api.openapi import package_body
from plmsync.api.problems import AUTHENTICATED, documented
from plmsync.api.views import changes as views
from plmsync.domain.errors import ValidationFailed
from plmsync.pipeline.fetch import parse_package

router = APIRouter(prefix="/v1", tags=["changes"], responses=AUTHENTICATED)
PACKAGE_ERRORS = documented(400, 413, 422, 502, 503)


@router.post(
    "/changes",
    status_code=202,
    response_model=Accepted,
    responses={
        202: {"headers": {"Location": {"schema": {"type": "string"}}}},
        **PACKAGE_ERRORS,
    },
    openapi_extra=package_body(),
)
def submit_change(
    caller: ChangesWriter, found: Services, raw: RawBody, response: Response
) -> Accepted:
    """Validate (reading the ERPs, writing nothing), then store the package durably and
    queue one job per plant. `202` comes only after it is stored. An invalid package is
    refused with every issue (`422`) and nothing is stored."""
    engine = found.engine
    package = parse_package(raw, origin="request body")
    issues = engine.check(package)
    if any(issue.blocking for issue in issues):
        raise ValidationFailed(issues)
    received = engine.submit(raw, actor=caller.actor)
    found.metrics.received(received)
    url = f"/v1/changes/{received.event.change_number}"
    response.headers["Location"] = url
    return views.accepted(engine, received, url)


@router.get("/changes", response_model=ChangeList, responses=documented(422))
def list_changes(
    _: ChangesReader,
    engine: EngineDep,
    state: Annotated[str | None, Query(description="Only changes with a plant in it.")] = None,
    plant: Annotated[str | None, Query(max_length=120)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ChangeList:
    """Every change with the state of each of its plants (latest job per plant)."""
    found = [
        c
        for c in views.summaries(engine.store)
        if any((state is None or p.state == state) and plant in (None, p.plant) for p in c.plants)
    ]
    return ChangeList(total=len(found), changes=found[offset : offset + limit])


@router.get("/changes/{number}", response_model=ChangeDetail, responses=documented(404, 422))
def show_change(_: ChangesReader, engine: EngineDep, number: str) -> ChangeDetail:
    """Per plant: state, steps with ERP record ids, transitions, errors and dead letters."""
    return views.detail(engine, number)


@router.get(
    "/changes/{number}/plan", response_model=PlanList, responses=documented(404, 422, 502, 503)
)
def plan_change(
    _: ChangesReader,
    engine: EngineDep,
    number: str,
    plant: Annotated[str | None, Query(max_length=120)] = None,
) -> PlanList:
    """What a sync of the change's latest package would post now, per plant (after a
    successful sync: nothing — plans converge)."""
    return PlanList(plans=views.plans(engine, number, plant))


@router.post(
    "/validate",
    response_model=ValidationReport,
    responses=documented(400, 413, 502, 503),
    openapi_extra=package_body(),
)
def validate_package(_: ChangesReader, engine: EngineDep, raw: RawBody) -> ValidationReport:
    """Every issue of a package, reading the ERPs and writing nothing anywhere."""
    package = parse_package(raw, origin="request body")
    issues = engine.check(package)
    return ValidationReport(
        change=package.change.number,
        valid=not any(i.blocking for i in issues),
        issues=[IssueOut.of(i) for i in issues],
    )
