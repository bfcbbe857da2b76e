"""What the engine writes down about a plan's steps: before the ERP call, after it, and what
a later attempt found already done.

A step is recorded STARTED before its ERP call and POSTED (with record ids) after it, so a
crash in between leaves a visible "outcome unknown". The next attempt re-reads the ERP: a
STARTED step whose object now reads exactly as the step wanted was committed after all, and
is confirmed POSTED — nothing is posted twice to find that out.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Sequence
from typing import Any

from plmsync.domain.codec import record_json
from plmsync.domain.plan import Action, Plan, Step
from plmsync.engine.model import StepRecord, StepStatus
from plmsync.ports.erp import Posting


def started(
    job: int, change: str, plant: str, steps: Iterable[Step], attempt: int
) -> list[StepRecord]:
    return [_record(job, change, plant, step, attempt) for step in steps]


def posted(records: Sequence[StepRecord], postings: Iterable[Posting]) -> list[StepRecord]:
    """The started records, now POSTED with the ERP records that carry them."""
    by_step: dict[tuple[str, str], Posting] = {(p.kind, p.step_key): p for p in postings}
    return [_posted(record, by_step.get((record.kind, record.object_key))) for record in records]


def failed(records: Sequence[StepRecord], error_code: str) -> list[StepRecord]:
    """The ERP refused the whole call (one transaction): none of these took effect."""
    return [
        dataclasses.replace(r, status=StepStatus.FAILED, error_code=error_code) for r in records
    ]


def confirmed(earlier: Iterable[StepRecord], plan: Plan) -> list[StepRecord]:
    """Steps left STARTED by an earlier attempt that the ERP now shows done."""
    done = {(s.kind, s.key, s.content_hash) for s in plan.steps if s.action is Action.UNCHANGED}
    return [
        dataclasses.replace(record, status=StepStatus.POSTED)
        for record in earlier
        if record.status == StepStatus.STARTED
        and (record.kind, record.object_key, record.content_hash) in done
    ]


def step_summary(step: Step) -> dict[str, Any]:
    """A plan step as JSON-safe data, for a dead letter (quantities as exact text)."""
    return {
        "kind": str(step.kind),
        "key": step.key,
        "action": str(step.action),
        "revision": step.revision,
        "content_hash": step.content_hash,
        "changed_fields": list(step.changed_fields),
        "desired": _plain(step.desired),
        "current": _plain(step.current),
    }


def _record(job: int, change: str, plant: str, step: Step, attempt: int) -> StepRecord:
    return StepRecord(
        job=job,
        idempotency_key=step.idempotency_key(change, plant),
        kind=str(step.kind),
        object_key=step.key,
        action=str(step.action),
        revision=step.revision,
        content_hash=step.content_hash,
        status=StepStatus.STARTED,
        attempt=attempt,
        desired=record_json(step.desired) if step.desired is not None else None,
    )


def _posted(record: StepRecord, posting: Posting | None) -> StepRecord:
    if posting is None:  # the ERP found nothing to do for it (already as wanted)
        return dataclasses.replace(record, status=StepStatus.POSTED)
    return dataclasses.replace(
        record,
        status=StepStatus.POSTED,
        erp_model=posting.erp_model,
        record_ids=tuple(posting.record_ids),
    )


def _plain(record: object) -> Any:
    if record is None or not dataclasses.is_dataclass(record) or isinstance(record, type):
        return None
    return json.loads(json.dumps(dataclasses.asdict(record), default=str))
