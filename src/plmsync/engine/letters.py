"""A dead letter for a job that will not be retried: what failed, where, and every attempt."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from plmsync.domain.plan import Plan, Step
from plmsync.domain.state import ObjectKind
from plmsync.engine import failure as failures
from plmsync.engine import records
from plmsync.engine.failure import Failure
from plmsync.engine.model import DeadLetter, DeadLetterStatus, Job, Transition


def dead_letter(
    job: Job,
    found: Failure,
    plan: Plan | None,
    transitions: Sequence[Transition],
    now: dt.datetime,
) -> DeadLetter:
    """The original payload stays with the event (`job.event`); the store assigns the id."""
    step = failed_step(plan, found.object_key)
    return DeadLetter(
        id=0,
        event=job.event,
        job=job.id,
        error_code=found.code,
        message=found.message,
        status=DeadLetterStatus.OPEN,
        created_at=now,
        step=records.step_summary(step) if step else None,
        erp_messages=found.erp_messages,
        attempts=failures.attempts(transitions),
    )


def failed_step(plan: Plan | None, object_key: str) -> Step | None:
    """The step the ERP refused: named by the error, or the only one posted. A key with a
    line number ("PMP-40#30") names a BOM line, so the BOM step, not the item PMP-40."""
    steps = plan.actionable if plan else ()
    key, line, _ = object_key.partition("#")
    named = [s for s in steps if s.key == key and (not line or s.kind == ObjectKind.BOM)]
    return named[0] if named else (steps[0] if len(steps) == 1 else None)
