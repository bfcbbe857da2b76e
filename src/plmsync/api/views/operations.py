"""Dead letters, review tasks, the audit trail and readiness, as the API shows them."""

from __future__ import annotations

from collections.abc import Callable

from plmsync.api.errors import ResourceNotFound
from plmsync.api.models.operations import (
    AttemptOut,
    AuditEntryOut,
    CheckOut,
    DeadLetterDetail,
    DeadLetterOut,
    ReviewTaskOut,
)
from plmsync.api.views.records import plain
from plmsync.domain.errors import PlmsyncError
from plmsync.engine.model import AuditEntry, DeadLetter, JobState
from plmsync.engine.service import Engine
from plmsync.ports.reviews import ReviewTask


def dead_letter(engine: Engine, letter: DeadLetter) -> DeadLetterOut:
    event = engine.store.event(letter.event)
    plant = engine.store.job(letter.job).plant if letter.job is not None else ""
    return DeadLetterOut(
        id=letter.id,
        event=letter.event,
        job=letter.job,
        change=event.change_number,
        plant=plant,
        error_code=letter.error_code,
        message=letter.message,
        status=str(letter.status),
        created_at=letter.created_at,
        attempts=len(letter.attempts),
        resolved_at=letter.resolved_at,
        resolved_by=letter.resolved_by,
    )


def dead_letter_detail(engine: Engine, letter: DeadLetter) -> DeadLetterDetail:
    edited = letter.edited_payload
    return DeadLetterDetail(
        **dead_letter(engine, letter).model_dump(),
        event_id=engine.store.event(letter.event).event_id,
        step=dict(plain(letter.step)) if letter.step else None,
        erp_messages=[dict(plain(m)) for m in letter.erp_messages],
        history=[
            AttemptOut(number=a.number, at=a.at, error_code=a.error_code, message=a.message)
            for a in letter.attempts
        ],
        payload=_text(engine.payload_of(letter)),
        edited_payload=_text(edited) if edited is not None else None,
    )


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


def review(task: ReviewTask) -> ReviewTaskOut:
    return ReviewTaskOut(
        id=task.id,
        change=task.change_number,
        plant=task.plant,
        job=task.job,
        reason=task.reason,
        owner_role=task.owner_role,
        status=str(task.status),
        created_at=task.created_at,
        decided_at=task.decided_at,
        decided_by=task.decided_by,
        comment=task.comment,
    )


def audit_entries(engine: Engine, number: str) -> list[AuditEntryOut]:
    entries = engine.audit_trail(number)
    if not entries:
        raise ResourceNotFound(f"no audit entries for change {number!r}")
    return [_entry(e) for e in entries]


def _entry(entry: AuditEntry) -> AuditEntryOut:
    return AuditEntryOut(
        sequence=entry.sequence,
        at=entry.at,
        action=entry.action,
        plant=entry.plant,
        event_id=entry.event_id,
        payload_hash=entry.payload_hash,
        actor=entry.actor,
        erp_model=entry.erp_model,
        record_ids=list(entry.record_ids),
        operation=entry.operation,
        attempt=entry.attempt,
        outcome=entry.outcome,
        details=dict(plain(entry.details)),
        hash=entry.hash,
    )


def readiness(engine: Engine) -> list[CheckOut]:
    """The state database answers, and every ERP target's `check()` passes."""
    checks = [_check("state-database", lambda: engine.store.jobs(states=[JobState.RUNNING]))]
    targets = {t.name: t for t in engine.pipeline.targets.values()}
    checks += [_check(f"erp:{name}", target.check) for name, target in sorted(targets.items())]
    return checks


def _check(name: str, probe: Callable[[], object]) -> CheckOut:
    try:
        probe()
    except PlmsyncError as error:
        return CheckOut(name=name, ok=False, code=error.code)
    except Exception:  # an unreachable database or a driver error: not ready, say no more
        return CheckOut(name=name, ok=False, code="PLMSYNC-INTERNAL")
    return CheckOut(name=name, ok=True)
