"""Rows to the engine's dataclasses and back: the only place that knows both shapes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from plmsync.engine.model import (
    Attempt,
    AuditEntry,
    DeadLetter,
    DeadLetterStatus,
    EventStatus,
    InboxEvent,
    Job,
    JobState,
    StepRecord,
    StepStatus,
    Transition,
)
from plmsync.persistence.canonical import iso_utc

Row = sa.RowMapping


def event_from(row: Row) -> InboxEvent:
    return InboxEvent(
        id=row["id"],
        event_id=row["event_id"],
        source_system=row["source_system"],
        change_number=row["change_number"],
        content_hash=row["content_hash"],
        received_at=row["received_at"],
        status=EventStatus(row["status"]),
        duplicate_of=row["duplicate_of"],
        error_code=row["error_code"],
        error_detail=row["error_detail"],
    )


def job_from(row: Row) -> Job:
    return Job(
        id=row["id"],
        event=row["event"],
        change_number=row["change_number"],
        plant=row["plant"],
        state=JobState(row["state"]),
        attempts=row["attempts"],
        run_after=row["run_after"],
        effective_from=row["effective_from"],
        lease_owner=row["lease_owner"],
        lease_expires_at=row["lease_expires_at"],
        last_error_code=row["last_error_code"],
        last_error_message=row["last_error_message"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def transition_from(row: Row) -> Transition:
    before = row["from_state"]
    return Transition(
        job=row["job"],
        from_state=None if before is None else JobState(before),
        to_state=JobState(row["to_state"]),
        at=row["at"],
        reason=row["reason"],
    )


def step_from(row: Row) -> StepRecord:
    return StepRecord(
        job=row["job"],
        idempotency_key=row["idempotency_key"],
        kind=row["kind"],
        object_key=row["object_key"],
        action=row["action"],
        revision=row["revision"],
        content_hash=row["content_hash"],
        status=StepStatus(row["status"]),
        attempt=row["attempt"],
        erp_model=row["erp_model"],
        record_ids=tuple(row["record_ids"]),
        error_code=row["error_code"],
        desired=row["desired"],
    )


def step_values(step: StepRecord) -> dict[str, Any]:
    return {
        "kind": step.kind,
        "object_key": step.object_key,
        "action": step.action,
        "revision": step.revision,
        "content_hash": step.content_hash,
        "status": step.status.value,
        "attempt": step.attempt,
        "erp_model": step.erp_model,
        "record_ids": list(step.record_ids),
        "error_code": step.error_code,
        "desired": step.desired,
    }


def dead_letter_from(row: Row) -> DeadLetter:
    payload = row["edited_payload"]
    return DeadLetter(
        id=row["id"],
        event=row["event"],
        job=row["job"],
        error_code=row["error_code"],
        message=row["message"],
        status=DeadLetterStatus(row["status"]),
        created_at=row["created_at"],
        step=row["step"],
        erp_messages=tuple(row["erp_messages"]),
        attempts=tuple(_attempt_from(item) for item in row["attempts"]),
        edited_payload=None if payload is None else bytes(payload),
        resolved_at=row["resolved_at"],
        resolved_by=row["resolved_by"],
    )


def dead_letter_values(letter: DeadLetter) -> dict[str, Any]:
    return {
        "event": letter.event,
        "job": letter.job,
        "error_code": letter.error_code,
        "message": letter.message,
        "status": letter.status.value,
        "step": letter.step,
        "erp_messages": list(letter.erp_messages),
        "attempts": attempts_json(letter.attempts),
        "edited_payload": letter.edited_payload,
        "resolved_at": letter.resolved_at,
        "resolved_by": letter.resolved_by,
    }


def attempts_json(attempts: Iterable[Attempt]) -> list[dict[str, Any]]:
    return [
        {"number": a.number, "at": iso_utc(a.at), "error_code": a.error_code, "message": a.message}
        for a in attempts
    ]


def _attempt_from(item: Mapping[str, Any]) -> Attempt:
    return Attempt(
        number=item["number"],
        at=dt.datetime.fromisoformat(item["at"]),
        error_code=item["error_code"],
        message=item["message"],
    )


def audit_from(row: Row) -> AuditEntry:
    return AuditEntry(
        sequence=row["sequence"],
        at=row["at"],
        change_number=row["change_number"],
        action=row["action"],
        plant=row["plant"],
        event_id=row["event_id"],
        payload_hash=row["payload_hash"],
        actor=row["actor"],
        erp_model=row["erp_model"],
        record_ids=tuple(row["record_ids"]),
        operation=row["operation"],
        attempt=row["attempt"],
        outcome=row["outcome"],
        details=row["details"],
        previous_hash=row["previous_hash"],
        hash=row["hash"],
    )
