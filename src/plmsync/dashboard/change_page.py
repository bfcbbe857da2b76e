"""A change as one page: per plant its state, steps (with ERP record ids), errors with their
remedies, SLA due time, review tasks and dead letters; the audit timeline; and, loaded on
demand, the plan a sync would post now and the old/new BOM comparison."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from plmsync.dashboard.bom_compare import BomComparison, compare
from plmsync.domain.codec import record_from_json
from plmsync.domain.errors import PlmsyncError
from plmsync.domain.plan import Action, Plan
from plmsync.domain.sla import PlantClock, SlaPolicy, due_at
from plmsync.domain.state import BomRecord, ObjectKind
from plmsync.engine.facts import ChangeFacts, FactReader
from plmsync.engine.model import AuditEntry, DeadLetter, EventStatus, InboxEvent, StepRecord
from plmsync.engine.service import Engine
from plmsync.engine.status import StatusRow, status_rows
from plmsync.pipeline.fetch import parse_package
from plmsync.ports.reviews import ReviewTask
from plmsync.remedies import remedy_for


@dataclass(frozen=True)
class PlantPanel:
    status: StatusRow
    steps: list[StepRecord]
    remedy: str
    due: dt.datetime | None
    overdue: bool


@dataclass(frozen=True)
class ChangePage:
    number: str
    facts: ChangeFacts | None
    events: list[InboxEvent]
    plants: list[PlantPanel]
    reviews: list[ReviewTask]
    dead_letters: list[DeadLetter]
    audit: list[AuditEntry]


def change_page(
    engine: Engine, reader: FactReader, policy: SlaPolicy, number: str
) -> ChangePage | None:
    store = engine.store
    events = store.events_for(number)
    if not events:
        return None
    clocks = {c.plant: c for c in reader.clocks(store.jobs(change_number=number))}
    now = engine.clock.now()
    event_ids = {e.id for e in events}
    return ChangePage(
        number=number,
        facts=reader.change(number),
        events=events,
        plants=[
            _panel(engine, row, clocks.get(row.plant), policy, now)
            for row in status_rows(store, number)
        ],
        reviews=store.review_tasks(change_number=number),
        dead_letters=[d for d in engine.dead_letters(None) if d.event in event_ids],
        audit=engine.audit_trail(number),
    )


def _panel(
    engine: Engine, row: StatusRow, clock: PlantClock | None, policy: SlaPolicy, now: dt.datetime
) -> PlantPanel:
    due = due_at(policy, clock) if clock is not None else None
    unsettled = clock is not None and not clock.settled
    return PlantPanel(
        status=row,
        steps=engine.store.steps(row.job),
        remedy=remedy_for(row.last_error_code) if row.last_error_code else "",
        due=due,
        overdue=bool(unsettled and due is not None and now > due),
    )


@dataclass(frozen=True)
class Preview:
    """The plan a sync would post now, or why there is none."""

    plan: Plan | None
    problem: str = ""
    code: str = ""


def preview(engine: Engine, number: str, plant: str) -> Preview:
    event = _latest_accepted(engine, number)
    if event is None:
        return Preview(None, "no accepted package: nothing to plan", "")
    try:
        package = parse_package(engine.store.raw_payload(event.id), origin=event.event_id)
        plans = engine.preview(package)
    except PlmsyncError as error:
        return Preview(None, str(error), error.code)
    if plant not in plans:
        return Preview(None, f"the change does not name plant {plant}", "")
    return Preview(plans[plant])


def _latest_accepted(engine: Engine, number: str) -> InboxEvent | None:
    accepted = [e for e in engine.store.events_for(number) if e.status == EventStatus.ACCEPTED]
    return accepted[-1] if accepted else None


@dataclass(frozen=True)
class BomView:
    basis: str  # what "old" and "new" mean here
    comparisons: list[BomComparison]
    problem: str = ""


POSTED_BASIS = "Posted by this change, beside what plmsync had posted before it"
PLANNED_BASIS = "What a sync would post now, beside what the ERP holds now"


def bom_view(engine: Engine, number: str, plant: str) -> BomView:
    rows = [r for r in status_rows(engine.store, number) if r.plant == plant]
    if not rows:
        return BomView("", [], f"change {number} has no job for plant {plant}")
    posted = [
        s
        for s in engine.store.steps(rows[0].job)
        if s.kind == ObjectKind.BOM and s.status == "posted"
    ]
    if posted:
        return BomView(POSTED_BASIS, [_posted(engine, plant, rows[0].job, s) for s in posted])
    found = preview(engine, number, plant)
    if found.plan is None:
        return BomView(PLANNED_BASIS, [], found.problem)
    steps = [s for s in found.plan.steps if s.kind == ObjectKind.BOM]
    comparisons = [
        compare(s.key, _bom(s.current), _bom(s.desired))
        for s in steps
        if s.action != Action.UNCHANGED
    ]
    return BomView(PLANNED_BASIS, comparisons)


def _posted(engine: Engine, plant: str, job: int, step: StepRecord) -> BomComparison:
    before = engine.store.posted_before(plant, ObjectKind.BOM, step.object_key, job)
    old = record_from_json(ObjectKind.BOM, before.desired) if before else None
    new = record_from_json(ObjectKind.BOM, step.desired) if step.desired else None
    return compare(step.object_key, _bom(old), _bom(new))


def _bom(record: object) -> BomRecord | None:
    return record if isinstance(record, BomRecord) else None
