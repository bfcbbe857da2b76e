"""Review tasks for drift on attributes whose ownership policy is `review`: one task per ERP
object, opened once; the person's decision (approve: restore PLM's value at the next heal;
reject: keep the ERP's) holds for exactly the drift it was shown."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from plmsync.domain.drift import ErpDrift
from plmsync.ports.reviews import ReviewTask
from plmsync.ports.store import JobStore, ReviewDraft, ReviewKind, SyncedRecord


def drift_identity(drift: Sequence[ErpDrift]) -> str:
    parts = [[d.plant, str(d.kind), d.key, d.attribute, d.synced, d.in_erp] for d in drift]
    return hashlib.sha256(json.dumps(sorted(parts)).encode()).hexdigest()[:32]


def drift_tasks(store: JobStore, plant: str) -> dict[str, ReviewTask]:
    """The latest drift task per identity for this plant."""
    found: dict[str, ReviewTask] = {}
    for task in store.review_tasks():
        if task.plant == plant and task.details.get("kind") == ReviewKind.DRIFT.value:
            found[str(task.details.get("identity", ""))] = task
    return found


def drift_draft(synced: SyncedRecord, drift: Sequence[ErpDrift], owner: str) -> ReviewDraft:
    first, identity = drift[0], drift_identity(drift)
    values = ", ".join(f"{d.attribute} {d.synced!r} → {d.in_erp!r}" for d in drift)
    return ReviewDraft(
        job=synced.job,
        change_number=synced.change_number,
        plant=first.plant,
        kind=ReviewKind.DRIFT,
        reason=f"{first.kind} {first.key} was edited in ERP ({values}): restore PLM's value?",
        owner_role=owner,
        identity=identity,
        details={"identity": identity, "drift": [_shown(d) for d in drift]},
    )


def _shown(drift: ErpDrift) -> dict[str, str]:
    return {
        "kind": str(drift.kind),
        "key": drift.key,
        "attribute": drift.attribute,
        "synced": drift.synced,
        "in_erp": drift.in_erp,
    }
