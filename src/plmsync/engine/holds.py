"""Approval checkpoints in the engine: which hits of a job's plan still need a person, and the
one review task that holds the job — what (change, plant), why (each hit: rule, reason,
values), who (the owner role) and the per-plant diff.

An approval covers the hits it was given: a re-run of the job skips hits whose identity an
approved task of the same job holds, so it posts instead of stopping at the same checkpoint
again. A hit that was not there when the person decided (say, the ERP was edited since) opens
a new task.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from plmsync.domain.codec import record_from_json
from plmsync.domain.drift import ErpDrift
from plmsync.domain.package import ChangePackage
from plmsync.domain.plan import Plan
from plmsync.domain.rules import CheckpointName
from plmsync.domain.state import state_of
from plmsync.engine.model import Job
from plmsync.engine.records import step_summary
from plmsync.pipeline.checkpoints import CheckpointHit, checkpoint_hits
from plmsync.pipeline.drift import find_drift
from plmsync.pipeline.run import Pipeline
from plmsync.ports.reviews import ReviewStatus
from plmsync.ports.store import JobStore, ReviewDraft, ReviewKind


def pending_hits(
    store: JobStore, pipeline: Pipeline, job: Job, package: ChangePackage, plan: Plan
) -> list[CheckpointHit]:
    """The checkpoints this plan hits that no approved task of the job covers."""
    config = pipeline.config
    regions = {code: plant.region for code, plant in config.plants.items()}
    drift = _live_drift(store, pipeline, job, plan)
    hits = checkpoint_hits(package, {job.plant: plan}, config.rules, regions=regions, drift=drift)
    approved = _approved(store, job)
    return [hit for hit in hits if identity(hit) not in approved]


def _live_drift(store: JobStore, pipeline: Pipeline, job: Job, plan: Plan) -> list[ErpDrift]:
    """ERP edits on objects this plan writes: the last posted record against the plan's view
    of the ERP (read moments ago). Looked up only when the checkpoint is on."""
    rules = pipeline.config.rules
    if not rules.checkpoints.enabled(CheckpointName.ERP_DRIFT_CONFLICT) or plan.is_empty:
        return []
    keys = [(str(s.kind), s.key) for s in plan.actionable if s.current is not None]
    synced = [record_from_json(r.kind, r.desired) for r in store.synced_records(job.plant, keys)]
    live = state_of([s.current for s in plan.actionable if s.current is not None])
    return find_drift(job.plant, synced, live, rules)


def _approved(store: JobStore, job: Job) -> set[str]:
    tasks = store.review_tasks(job=job.id, status=ReviewStatus.APPROVED)
    return {hit["identity"] for task in tasks for hit in _hits(task.details)}


def _hits(details: dict[str, object]) -> list[dict[str, Any]]:
    hits = details.get("hits", [])
    return hits if isinstance(hits, list) else []


def identity(hit: CheckpointHit) -> str:
    """Stable for the same rule, plant, reason and values, whichever run finds it."""
    parts = [hit.rule.value, hit.plant, hit.reason, sorted(hit.values.items())]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:32]


def hold(job: Job, hits: Sequence[CheckpointHit], plan: Plan) -> ReviewDraft:
    """One task for all the hits of one (event, plant) job."""
    shown = [_hit(hit) for hit in hits]
    return ReviewDraft(
        job=job.id,
        change_number=job.change_number,
        plant=job.plant,
        kind=ReviewKind.CHECKPOINT,
        reason="; ".join(hit.reason for hit in hits),
        owner_role=", ".join(dict.fromkeys(hit.owner_role for hit in hits)),
        identity=hashlib.sha256(
            " ".join(sorted(h["identity"] for h in shown)).encode()
        ).hexdigest()[:32],
        details={"hits": shown, "diff": [step_summary(step) for step in plan.actionable]},
    )


def _hit(hit: CheckpointHit) -> dict[str, Any]:
    return {
        "rule": hit.rule.value,
        "reason": hit.reason,
        "values": dict(hit.values),
        "owner_role": hit.owner_role,
        "plant": hit.plant,
        "identity": identity(hit),
    }
