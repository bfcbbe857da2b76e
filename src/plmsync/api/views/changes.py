"""Changes as the API shows them: one summary per change, a detail per change and plant,
the plans a sync would post now."""

from __future__ import annotations

from collections.abc import Sequence

from plmsync.api.errors import ResourceNotFound
from plmsync.api.models.changes import (
    Accepted,
    ChangeDetail,
    ChangeSummary,
    ErrorOut,
    EventOut,
    JobRef,
    LineChangeOut,
    PlannedStep,
    PlanOut,
    PlantDetail,
    PlantStatus,
    StepOut,
    TransitionOut,
)
from plmsync.api.models.problem import IssueOut
from plmsync.api.views.records import record
from plmsync.domain.plan import Plan, Step
from plmsync.engine.model import DeadLetter, EventStatus, InboxEvent, Job, StepRecord
from plmsync.engine.service import Engine
from plmsync.engine.status import StatusRow, status_rows
from plmsync.pipeline.fetch import parse_package
from plmsync.ports.store import JobStore, Received


def accepted(engine: Engine, received: Received, status_url: str) -> Accepted:
    event = received.event
    jobs = received.jobs
    if received.duplicate and event.duplicate_of is not None:
        jobs = tuple(engine.jobs_of_event(event.duplicate_of))
    return Accepted(
        change=event.change_number,
        event=event.id,
        event_id=event.event_id,
        status=str(event.status),
        duplicate=received.duplicate,
        jobs=[job_ref(job) for job in jobs],
        status_url=status_url,
    )


def job_ref(job: Job) -> JobRef:
    return JobRef(
        id=job.id, plant=job.plant, state=str(job.state), effective_from=job.effective_from
    )


def summaries(store: JobStore) -> list[ChangeSummary]:
    grouped: dict[str, list[PlantStatus]] = {}
    for row in status_rows(store):
        grouped.setdefault(row.change, []).append(plant_status(row))
    return [ChangeSummary(number=n, plants=p) for n, p in grouped.items()]


def plant_status(row: StatusRow) -> PlantStatus:
    error = ErrorOut(code=row.last_error_code, message=row.last_error_message)
    return PlantStatus(
        plant=row.plant,
        job=row.job,
        state=str(row.state),
        steps_done=row.steps_done,
        steps_total=row.steps_total,
        attempts=row.attempts,
        next_activation=row.next_activation,
        next_attempt=row.next_attempt,
        last_error=error if row.last_error_code else None,
        updated_at=row.updated_at,
    )


def detail(engine: Engine, number: str) -> ChangeDetail:
    store = engine.store
    events = _events(store, number)
    letters = engine.dead_letters(None)
    event_ids = {e.id for e in events}
    return ChangeDetail(
        number=number,
        events=[_event(e) for e in events],
        plants=[_plant_detail(store, row, letters) for row in status_rows(store, number)],
        rejected_dead_letters=[d.id for d in letters if d.job is None and d.event in event_ids],
    )


def _plant_detail(store: JobStore, row: StatusRow, letters: Sequence[DeadLetter]) -> PlantDetail:
    return PlantDetail(
        **plant_status(row).model_dump(),
        steps=[_step(s) for s in store.steps(row.job)],
        transitions=[
            TransitionOut(from_state=t.from_state, to_state=t.to_state, at=t.at, reason=t.reason)
            for t in store.transitions(row.job)
        ],
        dead_letters=[d.id for d in letters if d.job == row.job],
    )


def _step(step: StepRecord) -> StepOut:
    return StepOut(
        kind=str(step.kind),
        object_key=step.object_key,
        action=step.action,
        revision=step.revision,
        status=str(step.status),
        attempt=step.attempt,
        erp_model=step.erp_model,
        record_ids=list(step.record_ids),
        error_code=step.error_code,
    )


def _events(store: JobStore, number: str) -> list[InboxEvent]:
    events = store.events_for(number)
    if not events:
        raise ResourceNotFound(
            f"no change {number!r} was received",
            remedy="List the changes with GET /v1/changes.",
        )
    return events


def _event(event: InboxEvent) -> EventOut:
    return EventOut(
        id=event.id,
        event_id=event.event_id,
        source_system=event.source_system,
        status=str(event.status),
        received_at=event.received_at,
        duplicate_of=event.duplicate_of,
        error_code=event.error_code,
    )


def plans(engine: Engine, number: str, plant: str | None) -> list[PlanOut]:
    """What a sync of the change's latest accepted package would post now."""
    accepted_events = [e for e in _events(engine.store, number) if e.status == EventStatus.ACCEPTED]
    if not accepted_events:
        raise ResourceNotFound(f"change {number!r} has no accepted package to plan")
    latest = accepted_events[-1]
    package = parse_package(engine.store.raw_payload(latest.id), origin=latest.event_id)
    if plant is not None and plant not in package.plant_codes:
        raise ResourceNotFound(f"change {number!r} does not name plant {plant!r}")
    found = engine.preview(package)
    return [plan_out(p) for code, p in found.items() if plant is None or code == plant]


def plan_out(plan: Plan) -> PlanOut:
    return PlanOut(
        change=plan.change,
        plant=plan.plant,
        actionable=len(plan.actionable),
        steps=[_planned(step) for step in plan.steps],
        warnings=[IssueOut.of(issue) for issue in plan.warnings],
    )


def _planned(step: Step) -> PlannedStep:
    return PlannedStep(
        kind=str(step.kind),
        action=str(step.action),
        key=step.key,
        revision=step.revision,
        changed_fields=list(step.changed_fields),
        desired=record(step.desired),
        current=record(step.current),
        line_changes=[
            LineChangeOut(
                find_number=c.find_number,
                change=c.change,
                before=record(c.before),
                after=record(c.after),
            )
            for c in step.line_changes
        ],
    )
