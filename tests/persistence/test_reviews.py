"""Review tasks and what was synced, on both dialects: a job is held with its task in one
transaction, decided once, and the last record posted per object is what reconcile reads."""

from __future__ import annotations

import dataclasses

import pytest

from plmsync.engine.errors import IllegalTransition, LeaseLost, StateConflict
from plmsync.engine.model import JobState, StepRecord, StepStatus
from plmsync.persistence import SqlStore
from plmsync.ports.reviews import ReviewNotFound, ReviewStatus
from plmsync.ports.store import AuditDraft, ReviewDraft, ReviewKind

from .conftest import START
from .helpers import LEASE, enqueue


def draft(job: int, kind: ReviewKind = ReviewKind.CHECKPOINT, identity: str = "i1") -> ReviewDraft:
    return ReviewDraft(
        job=job,
        change_number="ECO-0000",  # the change `enqueue` names first
        plant="US01",
        kind=kind,
        reason="EU screw changes reach",
        owner_role="compliance",
        identity=identity,
        details={"hits": [{"identity": "h1"}]},
    )


def held(store: SqlStore) -> tuple[int, int]:
    [job] = enqueue(store, 1)
    store.claim("w1", START, LEASE)
    moved, task = store.hold_for_review(job.id, "w1", draft(job.id))
    assert moved.state is JobState.WAITING_REVIEW and moved.lease_owner == ""
    assert f"waiting for review task {task.id} (compliance)" in store.transitions(job.id)[-1].reason
    return job.id, task.id


def test_a_held_job_waits_with_its_one_task(store: SqlStore) -> None:
    job, task = held(store)
    (found,) = store.review_tasks(status=ReviewStatus.OPEN)
    assert (found.id, found.job, found.status) == (task, job, ReviewStatus.OPEN)
    assert found.details == {"hits": [{"identity": "h1"}], "kind": "checkpoint"}
    assert store.review_tasks(job=job) == [found] == store.review_tasks(change_number="ECO-0000")


def test_only_the_worker_holding_the_job_can_hold_it(store: SqlStore) -> None:
    [job] = enqueue(store, 1)
    with pytest.raises(LeaseLost):
        store.hold_for_review(job.id, "w1", draft(job.id))
    assert store.review_tasks() == []  # nothing half-written


def test_approval_requeues_the_job_once(store: SqlStore) -> None:
    job, task = held(store)
    decided = store.decide_review(task, ReviewStatus.APPROVED, by="clara", comment="waiver")
    assert (decided.status, decided.decided_by, decided.comment) == ("approved", "clara", "waiver")
    assert decided.decided_at == START
    assert store.job(job).state is JobState.QUEUED
    assert store.transitions(job)[-1].reason == f"review task {task} approved by clara: waiver"
    with pytest.raises(StateConflict):
        store.decide_review(task, ReviewStatus.REJECTED, by="bob")


def test_rejection_cancels_the_job(store: SqlStore) -> None:
    job, task = held(store)
    store.decide_review(task, ReviewStatus.REJECTED, by="clara", comment="no waiver")
    assert store.job(job).state is JobState.CANCELLED
    with pytest.raises(ReviewNotFound):
        store.review_task(task + 1)


def test_a_drift_task_opens_once_and_moves_no_job(store: SqlStore) -> None:
    [job] = enqueue(store, 1)
    task = store.open_review(draft(job.id, ReviewKind.DRIFT))
    assert task is not None
    assert store.open_review(draft(job.id, ReviewKind.DRIFT)) is None
    store.decide_review(task.id, ReviewStatus.APPROVED, by="pat")
    assert store.job(job.id).state is JobState.QUEUED  # untouched
    assert store.open_review(draft(job.id, ReviewKind.DRIFT)) is not None  # decided: anew


def test_a_checkpoint_task_of_a_job_not_waiting_cannot_be_decided(store: SqlStore) -> None:
    [job] = enqueue(store, 1)
    task = store.open_review(draft(job.id))
    assert task is not None
    with pytest.raises(IllegalTransition):
        store.decide_review(task.id, ReviewStatus.APPROVED, by="clara")
    assert store.review_task(task.id).status is ReviewStatus.OPEN  # rolled back together


def _posted(job: int, key: str, name: str | None) -> StepRecord:
    desired = None if name is None else {"number": key, "name": name}
    return StepRecord(
        job=job,
        idempotency_key=f"{job}-{key}",
        kind="item",
        object_key=key,
        action="update" if name else "retire",
        revision="A",
        content_hash="h",
        status=StepStatus.POSTED,
        attempt=1,
        desired=desired,
    )


def _succeed(store: SqlStore, job: int, *steps: StepRecord) -> None:
    store.claim("w1", START, LEASE)
    store.steps_started(job, [dataclasses.replace(s, status=StepStatus.STARTED) for s in steps])
    store.steps_finished(job, list(steps))
    store.transition(job, JobState.SUCCEEDED, worker="w1")


def test_synced_records_are_the_last_posted_by_succeeded_jobs(store: SqlStore) -> None:
    first, second, pending = enqueue(store, 3)
    _succeed(store, first.id, _posted(first.id, "P-1", "Pump"), _posted(first.id, "P-2", "Gear"))
    _succeed(
        store, second.id, _posted(second.id, "P-1", "Pump Mk II"), _posted(second.id, "P-2", None)
    )
    store.steps_started(pending.id, [_posted(pending.id, "P-1", "Pump Mk III")])

    (synced,) = store.synced_records("US01")
    assert (synced.key, synced.desired, synced.job) == (
        "P-1",
        {"number": "P-1", "name": "Pump Mk II"},
        second.id,
    )
    assert store.synced_records("US01", [("item", "P-2")]) == []
    assert store.synced_records("DE01") == []


def test_touchpoints_count_reviews_replays_and_manual_activations(store: SqlStore) -> None:
    held(store)
    for action in (
        "deadletter.replayed",
        "deadletter.edited",
        "activation.requested",
        "erp.posted",
    ):
        store.audit(AuditDraft(change_number="ECO-0000", action=action))
    counted = store.touchpoints()
    assert counted["ECO-0000"].reviews == 1
    assert (counted["ECO-0000"].replays, counted["ECO-0000"].activations) == (2, 1)
    assert counted["ECO-0000"].total == 4
    assert store.touchpoints("ECO-9999") == {}
