"""The worker loop: heartbeats keep a long job's lease, a lost lease is noticed, stop is
graceful, and embedded threads share the queue without posting anything twice."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from plmsync.bootstrap import build_engine
from plmsync.domain.plan import Step
from plmsync.engine.clock import ManualClock
from plmsync.engine.lease import JobLease
from plmsync.engine.model import JobState
from plmsync.engine.service import Engine
from plmsync.ports.erp import ChangeRef, ErpTarget, Posting
from plmsync.testing.faults import FaultyErp
from plmsync.testing.packages import release_package
from tests.service.conftest import erp, memory_workspace, raw


class _SlowErp(FaultyErp):
    """Takes `seconds` for every apply: longer than a lease, shorter than a heartbeat gap."""

    def __init__(self, inner: ErpTarget, seconds: float):
        super().__init__(inner)
        self.seconds = seconds

    def apply(self, change: ChangeRef, steps: Sequence[Step]) -> list[Posting]:
        time.sleep(self.seconds)
        return self.inner.apply(change, steps)


def test_heartbeats_keep_a_long_job_from_being_reclaimed(tmp_path: Path) -> None:
    """Real time: 1 s leases, 0.2 s heartbeats, 1.5 s ERP calls, two threads watching."""
    config = memory_workspace(
        tmp_path, lease_seconds=1, heartbeat_seconds=0.2, poll_seconds=0.1, worker_threads=2
    )
    engine = build_engine(config, wrap_target=lambda t: _SlowErp(t, 1.5))
    try:
        jobs = engine.submit(raw(release_package())).jobs
        engine.run_until_idle()
        for job in jobs:
            stored = engine.store.job(job.id)
            assert (stored.state, stored.attempts) == (JobState.SUCCEEDED, 0)
            assert not any("lease expired" in t.reason for t in engine.store.transitions(job.id))
    finally:
        engine.close()


def test_a_renewal_refused_by_the_store_marks_the_lease_lost(
    engine: Engine, clock: ManualClock
) -> None:
    (us01, _) = engine.submit(raw(release_package())).jobs
    lease_length = dt.timedelta(seconds=10)
    claimed = engine.store.claim("w1", clock.now(), lease_length)
    assert claimed is not None and claimed.id == us01.id
    lease = JobLease(engine.store, us01.id, "w1", clock, lease_length)
    assert lease.lock(["US01/item/PMP-40"])
    clock.advance(dt.timedelta(seconds=8))
    assert lease.renew()
    assert engine.store.job(us01.id).lease_expires_at == clock.now() + lease_length
    clock.advance(dt.timedelta(seconds=11))
    engine.store.reclaim_expired(clock.now())
    assert not lease.renew()
    assert lease.lost.is_set()


def test_stop_lets_the_current_job_finish(engine: Engine) -> None:
    jobs = engine.submit(raw(release_package())).jobs
    workers = engine.workers(1)
    done: list[int] = []

    def stop_after_first(report: object) -> None:
        engine.stop()

    workers[0].executor.listener = stop_after_first
    thread = threading.Thread(target=lambda: done.append(workers[0].run()))
    thread.start()
    thread.join(10)
    assert done == [1]
    states = sorted(engine.store.job(j.id).state for j in jobs)
    assert states == [JobState.QUEUED, JobState.SUCCEEDED]


def test_embedded_threads_share_the_queue(tmp_path: Path) -> None:
    """Real time: with several threads a manual clock would let one thread's idle sleep
    expire the others' leases."""
    engine = build_engine(memory_workspace(tmp_path, worker_threads=3, poll_seconds=0.05))
    try:
        engine.submit(raw(release_package()))
        assert engine.run_until_idle() == 2
        assert {r.state for r in engine.status()} == {JobState.SUCCEEDED}
        assert erp(engine).write_count == erp(engine, "DE01").write_count == 12
    finally:
        engine.close()
