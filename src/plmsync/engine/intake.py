"""The inbox's front door: store every incoming payload before acknowledging it.

A readable package becomes one job per plant it names (with that plant's effectivity date).
An unreadable one is stored all the same, as a rejected event with its error code and every
problem found, and opens a dead letter: nothing acknowledged is ever lost, and a corrected
payload can be replayed. Redeliveries are recorded as duplicates and enqueue nothing.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from plmsync.domain.errors import PackageRejected
from plmsync.domain.package import ChangePackage
from plmsync.engine.model import EventStatus
from plmsync.pipeline.fetch import parse_package
from plmsync.ports.store import AuditDraft, JobStore, NewJob, Received

UNKNOWN_SOURCE = "unknown"


def submit(
    store: JobStore, raw: bytes, *, event_id: str | None = None, actor: str = "plmsync"
) -> Received:
    """Store `raw` durably; `event_id` overrides the payload's own (replays use it)."""
    try:
        package = parse_package(raw, origin="payload")
    except PackageRejected as rejected:
        return _store_rejected(store, raw, rejected, event_id, actor)
    received = store.receive(
        raw,
        event_id=event_id or package.source.event_id,
        source_system=package.source.system,
        change_number=package.change.number,
        jobs=[NewJob(p.plant, p.effective_from) for p in package.change.plants],
    )
    store.audit(_received_entry(received, actor, _approvals(package)))
    return received


def reject(
    store: JobStore,
    raw: bytes,
    rejected: PackageRejected,
    *,
    event_id: str | None = None,
    actor: str = "plmsync",
) -> Received:
    """Store a payload an adapter could not turn into a package (a BOM file its importer
    refused, a PLM change that would not map) as a rejected event with a dead letter, exactly
    like an unreadable package: kept, listed, replayable with a corrected payload."""
    return _store_rejected(store, raw, rejected, event_id, actor)


def _store_rejected(
    store: JobStore, raw: bytes, rejected: PackageRejected, event_id: str | None, actor: str
) -> Received:
    envelope = _envelope(raw)
    received = store.receive(
        raw,
        event_id=event_id or envelope.get("event_id") or f"sha256:{_sha256(raw)}",
        source_system=envelope.get("system") or UNKNOWN_SOURCE,
        change_number=envelope.get("change") or "",
        jobs=(),
        error_code=rejected.code,
        error_detail="\n".join([rejected.message, *rejected.problems]),
    )
    store.audit(_received_entry(received, actor, {"error_code": rejected.code}))
    return received


def _received_entry(received: Received, actor: str, details: dict[str, Any]) -> AuditDraft:
    event = received.event
    action = {
        EventStatus.ACCEPTED: "event.received",
        EventStatus.DUPLICATE: "event.duplicate",
        EventStatus.REJECTED: "event.rejected",
    }[EventStatus(event.status)]
    extra = {"duplicate_of": event.duplicate_of} if received.duplicate else {}
    return AuditDraft(
        change_number=event.change_number,
        action=action,
        event_id=event.event_id,
        payload_hash=event.content_hash,
        actor=actor,
        outcome=str(event.status),
        details={"event": event.id, "jobs": [j.id for j in received.jobs], **extra, **details},
    )


def _approvals(package: ChangePackage) -> dict[str, Any]:
    """The PLM approvals the change carries: the audit trail starts from them."""
    change = package.change
    return {
        "approved_at": change.approved_at.isoformat() if change.approved_at else None,
        "approvals": [
            {"approver": a.approver, "role": a.role, "decision": a.decision, "at": a.at.isoformat()}
            for a in change.approvals
        ],
    }


def _envelope(raw: bytes) -> dict[str, str]:
    """Best effort: the event id, source and change number of a payload that failed
    validation, so the rejected event can be found by them. Never raises."""
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError):
        return {}
    if not isinstance(document, dict):
        return {}
    source, change = document.get("source"), document.get("change")
    return {
        name: value
        for name, value in (
            ("event_id", _text(source, "event_id")),
            ("system", _text(source, "system")),
            ("change", _text(change, "number")),
        )
        if value
    }


def _text(section: object, key: str) -> str:
    value = section.get(key) if isinstance(section, dict) else None
    return value.strip()[:120] if isinstance(value, str) else ""


def _sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()
