"""Effectivity activation: staged jobs whose date has come go back to the queue.

The activated job runs like any other: a fresh plan against live ERP state posts what was
held back and puts the staged records in use, in one ERP transaction — so a plant never
shows a half-applied BOM as the one in use. `plant.activated` is audited when that run
succeeds (the executor knows it was staged), not here: a queued job has changed nothing yet.
"""

from __future__ import annotations

import datetime as dt

from plmsync.engine.errors import StateConflict
from plmsync.engine.model import Job, JobState
from plmsync.ports.store import MANUAL_ACTIVATION, AuditDraft, JobStore


def activate_due(store: JobStore, as_of: dt.date) -> list[Job]:
    """Queue every staged job effective on or before `as_of`; returns the jobs queued."""
    queued = []
    for job in store.due_staged(as_of):
        reason = f"effective {job.effective_from} reached (as of {as_of})"
        try:
            queued.append(store.transition(job.id, JobState.QUEUED, reason=reason))
        except StateConflict:
            continue  # another worker's scheduler activated it first
    return queued


def activation_entry(store: JobStore, job: Job, as_of: dt.date, by: str) -> AuditDraft:
    """A person activated this plant's change (`plmsync activate`): a manual touchpoint."""
    event = store.event(job.event)
    return AuditDraft(
        change_number=job.change_number,
        action=MANUAL_ACTIVATION,
        plant=job.plant,
        event_id=event.event_id,
        payload_hash=event.content_hash,
        actor=by,
        outcome="queued",
        details={
            "job": job.id,
            "as_of": as_of.isoformat(),
            "effective_from": str(job.effective_from),
        },
    )
