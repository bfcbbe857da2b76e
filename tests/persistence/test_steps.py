"""Steps: recorded started before the ERP call, finished after, one row per idempotency key."""

from __future__ import annotations

import dataclasses

import pytest

from plmsync.engine.model import StepRecord, StepStatus
from plmsync.persistence import SqlStore

from .helpers import enqueue


def step(job: int, key: str, **changes: object) -> StepRecord:
    base = StepRecord(
        job=job,
        idempotency_key=key,
        kind="item",
        object_key=f"item:{key}",
        action="create",
        revision="B",
        content_hash="c0ffee",
        status=StepStatus.STARTED,
        attempt=1,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_started_steps_are_recorded_in_order(store: SqlStore) -> None:
    [job] = enqueue(store, 1)
    steps = [step(job.id, "k2"), step(job.id, "k1", kind="bom", action="update")]
    store.steps_started(job.id, steps)
    assert store.steps(job.id) == steps


def test_finishing_updates_the_same_row(store: SqlStore) -> None:
    [job] = enqueue(store, 1)
    store.steps_started(job.id, [step(job.id, "k1"), step(job.id, "k2")])
    posted = step(
        job.id, "k1", status=StepStatus.POSTED, erp_model="product.product", record_ids=(7, "x")
    )
    failed = step(job.id, "k2", status=StepStatus.FAILED, error_code="PLMSYNC-ERP-REJECTED")

    store.steps_finished(job.id, [posted, failed])

    assert store.steps(job.id) == [posted, failed]


def test_a_retried_attempt_restarts_the_step(store: SqlStore) -> None:
    [job] = enqueue(store, 1)
    store.steps_started(job.id, [step(job.id, "k1")])
    store.steps_finished(job.id, [step(job.id, "k1", status=StepStatus.FAILED, error_code="E")])

    store.steps_started(job.id, [step(job.id, "k1", attempt=2, status=StepStatus.FAILED)])

    [again] = store.steps(job.id)
    assert (again.attempt, again.status, again.error_code) == (2, StepStatus.STARTED, "")


def test_finishing_an_unrecorded_step_records_it(store: SqlStore) -> None:
    [job] = enqueue(store, 1)
    posted = step(job.id, "k1", status=StepStatus.POSTED)
    store.steps_finished(job.id, [posted])
    assert store.steps(job.id) == [posted]


def test_steps_belong_to_their_job(store: SqlStore) -> None:
    a, b = enqueue(store, 2)
    store.steps_started(a.id, [step(a.id, "k1")])
    store.steps_started(b.id, [step(b.id, "k1", kind="bom")])
    assert [s.kind for s in store.steps(a.id)] == ["item"]
    assert [s.kind for s in store.steps(b.id)] == ["bom"]
    with pytest.raises(ValueError, match="another job"):
        store.steps_started(a.id, [step(b.id, "k2")])
    assert len(store.steps(a.id)) == 1
