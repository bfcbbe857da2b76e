"""Jobs: claim with a lease, heartbeat, reclaim, transitions along ALLOWED only."""

from __future__ import annotations

import datetime as dt

import pytest

from plmsync.domain.errors import PlmsyncError
from plmsync.engine.errors import (
    LEASE_EXPIRED,
    IllegalTransition,
    LeaseLost,
    NotFound,
    StateConflict,
)
from plmsync.engine.model import ALLOWED, JobState
from plmsync.persistence import SqlStore

from .conftest import START, FakeClock
from .helpers import LEASE, enqueue, payload, receive

S = JobState


def test_claim_takes_the_oldest_job_leases_it_and_records_the_move(store: SqlStore) -> None:
    first, _second = enqueue(store, 2)
    job = store.claim("w1", START, LEASE)

    assert job is not None
    assert (job.id, job.state, job.attempts) == (first.id, S.RUNNING, 0)
    assert (job.lease_owner, job.lease_expires_at) == ("w1", START + LEASE)
    last = store.transitions(job.id)[-1]
    assert (last.from_state, last.to_state, last.at) == (S.QUEUED, S.RUNNING, START)
    assert "w1" in last.reason


def test_claim_returns_none_when_nothing_is_claimable(store: SqlStore) -> None:
    assert store.claim("w1", START, LEASE) is None
    enqueue(store, 1)
    assert store.claim("w1", START, LEASE) is not None
    assert store.claim("w2", START, LEASE) is None


def test_claim_waits_for_run_after(store: SqlStore) -> None:
    [job] = enqueue(store, 1)
    store.claim("w1", START, LEASE)
    later = START + dt.timedelta(minutes=5)
    store.transition(job.id, S.RETRYING, worker="w1", run_after=later, count_attempt=True)

    assert store.claim("w1", later - dt.timedelta(microseconds=1), LEASE) is None
    retried = store.claim("w2", later, LEASE)
    assert retried is not None
    assert (retried.id, retried.attempts, retried.lease_owner) == (job.id, 1, "w2")
    assert store.transitions(job.id)[-1].from_state is S.RETRYING


def test_claim_skips_states_that_are_not_claimable(store: SqlStore) -> None:
    blocked, free = enqueue(store, 2)
    store.claim("w1", START, LEASE)
    store.transition(blocked.id, S.WAITING_REVIEW, worker="w1")
    job = store.claim("w1", START, LEASE)
    assert job is not None and job.id == free.id


def test_heartbeat_extends_only_the_holder_s_lease(store: SqlStore) -> None:
    [job] = enqueue(store, 1)
    store.claim("w1", START, LEASE)
    until = START + dt.timedelta(minutes=10)

    assert store.heartbeat(job.id, "w1", until)
    assert store.job(job.id).lease_expires_at == until
    assert not store.heartbeat(job.id, "w2", until + LEASE)
    assert store.job(job.id).lease_expires_at == until


def test_reclaim_returns_jobs_of_silent_workers_to_retrying(store: SqlStore) -> None:
    dead, alive, queued = enqueue(store, 3)
    store.claim("w-dead", START, LEASE)
    store.claim("w-alive", START, LEASE)
    store.heartbeat(alive.id, "w-alive", START + 3 * LEASE)
    now = START + 2 * LEASE

    [reclaimed] = store.reclaim_expired(now)

    assert reclaimed.id == dead.id
    assert (reclaimed.state, reclaimed.run_after) == (S.RETRYING, now)
    assert (reclaimed.lease_owner, reclaimed.lease_expires_at) == ("", None)
    assert reclaimed.attempts == 1  # the crashed run counts
    assert reclaimed.last_error_code == LEASE_EXPIRED
    last = store.transitions(dead.id)[-1]
    assert (last.from_state, last.to_state, last.at) == (S.RUNNING, S.RETRYING, now)
    assert last.reason == "lease expired: worker w-dead stopped heartbeating"
    assert store.job(alive.id).state is S.RUNNING
    assert store.job(queued.id).state is S.QUEUED
    assert not store.heartbeat(dead.id, "w-dead", now + LEASE)
    assert store.reclaim_expired(now) == []


def test_a_lease_ending_exactly_now_is_not_expired(store: SqlStore) -> None:
    enqueue(store, 1)
    store.claim("w1", START, LEASE)
    assert store.reclaim_expired(START + LEASE) == []


def test_transition_moves_the_job_and_writes_a_row(store: SqlStore, clock: FakeClock) -> None:
    [job] = enqueue(store, 1)
    store.claim("w1", START, LEASE)
    clock.advance(seconds=7)

    done = store.transition(job.id, S.SUCCEEDED, reason="posted 12 steps", worker="w1")

    assert (done.state, done.updated_at, done.attempts) == (S.SUCCEEDED, clock.now, 0)
    assert (done.lease_owner, done.lease_expires_at) == ("", None)
    assert store.job(job.id) == done
    last = store.transitions(job.id)[-1]
    assert (last.from_state, last.to_state, last.reason, last.at) == (
        S.RUNNING,
        S.SUCCEEDED,
        "posted 12 steps",
        clock.now,
    )


def test_transition_records_errors_and_counts_attempts(store: SqlStore) -> None:
    [job] = enqueue(store, 1)
    store.claim("w1", START, LEASE)
    retry = store.transition(
        job.id,
        S.RETRYING,
        worker="w1",
        run_after=START + LEASE,
        error_code="PLMSYNC-ERP-UNAVAILABLE",
        error_message="connection refused",
        count_attempt=True,
    )
    assert (retry.attempts, retry.run_after) == (1, START + LEASE)
    assert (retry.last_error_code, retry.last_error_message) == (
        "PLMSYNC-ERP-UNAVAILABLE",
        "connection refused",
    )
    store.claim("w1", START + LEASE, LEASE)
    done = store.transition(job.id, S.SUCCEEDED, worker="w1", count_attempt=True)
    assert done.attempts == 2
    assert done.last_error_code == "PLMSYNC-ERP-UNAVAILABLE"  # the history stays readable


@pytest.mark.parametrize(
    ("path", "illegal"),
    [
        ((), S.SUCCEEDED),  # queued cannot succeed without running
        ((), S.QUEUED),
        ((S.RUNNING, S.SUCCEEDED), S.QUEUED),  # terminal
        ((S.RUNNING, S.STAGED), S.RUNNING),  # staged goes back through queued
        ((S.RUNNING, S.WAITING_REVIEW), S.SUPERSEDED),
    ],
)
def test_illegal_moves_are_refused_and_change_nothing(
    store: SqlStore, path: tuple[JobState, ...], illegal: JobState
) -> None:
    [job] = enqueue(store, 1)
    for state in path:
        if state is S.RUNNING:
            store.claim("w1", START, LEASE)
        else:
            store.transition(job.id, state)
    before = (store.job(job.id), store.transitions(job.id))

    with pytest.raises(IllegalTransition) as refused:
        store.transition(job.id, illegal)

    assert isinstance(refused.value, StateConflict)
    assert isinstance(refused.value, PlmsyncError)
    assert (refused.value.job, refused.value.to) == (job.id, illegal)
    assert f"cannot go from {before[0].state.value} to {illegal.value}" in str(refused.value)
    assert (store.job(job.id), store.transitions(job.id)) == before


def test_every_allowed_move_from_running_is_accepted(store: SqlStore) -> None:
    targets = sorted(ALLOWED[S.RUNNING])
    jobs = enqueue(store, len(targets))
    for job, target in zip(jobs, targets, strict=True):
        claimed = store.claim("w1", START, LEASE)
        assert claimed is not None and claimed.id == job.id
        later = START + dt.timedelta(days=1) if target is S.RETRYING else None
        assert store.transition(job.id, target, worker="w1", run_after=later).state is target


def test_the_operator_paths_replay_approve_and_activate(store: SqlStore) -> None:
    enqueue(store, 3)
    parked = []
    for state in (S.DEAD, S.WAITING_REVIEW, S.STAGED):
        job = store.claim("w1", START, LEASE)
        assert job is not None
        parked.append(store.transition(job.id, state, worker="w1"))
    for job in parked:
        assert store.transition(job.id, S.QUEUED, reason="operator").state is S.QUEUED


def test_a_worker_that_lost_its_lease_cannot_move_the_job(store: SqlStore) -> None:
    [job] = enqueue(store, 1)
    store.claim("w1", START, LEASE)
    store.reclaim_expired(START + 2 * LEASE)
    store.claim("w2", START + 2 * LEASE, LEASE)

    with pytest.raises(LeaseLost) as lost:
        store.transition(job.id, S.SUCCEEDED, worker="w1")
    assert (lost.value.worker, lost.value.holder) == ("w1", "w2")
    assert isinstance(lost.value, StateConflict)
    assert store.job(job.id).lease_owner == "w2"


def test_a_worker_cannot_move_a_job_that_is_not_running(store: SqlStore) -> None:
    [job] = enqueue(store, 1)
    with pytest.raises(LeaseLost, match="not held by any worker"):
        store.transition(job.id, S.CANCELLED, worker="w1")
    assert store.job(job.id).state is S.QUEUED


def test_unknown_jobs_are_not_found(store: SqlStore) -> None:
    with pytest.raises(NotFound):
        store.job(404)
    with pytest.raises(NotFound):
        store.transition(404, S.CANCELLED)
    assert store.transitions(404) == []
    assert not store.heartbeat(404, "w1", START)


def test_jobs_filters_by_change_and_state(store: SqlStore) -> None:
    a, b, c = enqueue(store, 3)
    store.claim("w1", START, LEASE)
    assert [j.id for j in store.jobs()] == [a.id, b.id, c.id]
    assert [j.id for j in store.jobs(states=[S.QUEUED])] == [b.id, c.id]
    assert [j.id for j in store.jobs(states={S.RUNNING, S.DEAD})] == [a.id]
    assert [j.id for j in store.jobs(change_number=b.change_number)] == [b.id]
    assert store.jobs(change_number=b.change_number, states=[S.RUNNING]) == []


def test_due_staged_lists_staged_jobs_whose_date_has_come(store: SqlStore) -> None:
    june, july, undated = (
        receive(store, f"ECO-{n}", effective_from=day).jobs[0]
        for n, day in ((1, dt.date(2026, 6, 1)), (2, dt.date(2026, 7, 1)), (3, None))
    )
    queued_june = receive(store, "ECO-4", effective_from=dt.date(2026, 6, 1)).jobs[0]
    for job in (june, july, undated):
        store.claim("w1", START, LEASE)
        store.transition(job.id, S.STAGED, worker="w1")

    assert store.due_staged(dt.date(2026, 5, 31)) == []
    assert [j.id for j in store.due_staged(dt.date(2026, 6, 1))] == [june.id]
    assert [j.id for j in store.due_staged(dt.date(2027, 1, 1))] == [june.id, july.id]
    assert queued_june.id not in {j.id for j in store.due_staged(dt.date(2027, 1, 1))}


def test_pending_revisions_lists_other_live_jobs_of_the_plant(store: SqlStore) -> None:
    mine = receive(store, "ECO-1", "US01", "DE01", raw=payload("ECO-1", "A")).jobs[0]
    other = receive(store, "ECO-2", "US01", raw=payload("ECO-2", "B")).jobs[0]
    finished = receive(store, "ECO-3", "US01").jobs[0]
    tomorrow = START + dt.timedelta(days=1)
    while (job := store.claim("w1", START, LEASE)) is not None:
        to = S.SUCCEEDED if job.id == finished.id else S.RETRYING
        store.transition(job.id, to, worker="w1", run_after=tomorrow)

    pending = store.pending_revisions("US01", exclude_job=mine.id)

    assert [(job.id, raw) for job, raw in pending] == [(other.id, payload("ECO-2", "B"))]
    assert pending[0][0].state is S.RETRYING
    assert [j.id for j, _ in store.pending_revisions("US01", exclude_job=other.id)] == [mine.id]
    assert store.pending_revisions("FR01", exclude_job=mine.id) == []
