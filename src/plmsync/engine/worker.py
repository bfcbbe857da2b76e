"""The worker loop: activate due changes, reclaim jobs of dead workers, claim, run, repeat.

While a job runs, a heartbeat thread renews its lease (and its ERP-object locks) every
`heartbeat`; a worker that dies stops renewing, its lease runs out, and any other worker's
next loop reclaims the job. `stop()` (SIGTERM/SIGINT in `plmsync worker`) lets the current
job finish and then ends the loop: a graceful stop never leaves a job half-done. A job
claimed while the stop was being signalled is released untouched: back to retrying, due at
once, not counted as an attempt, so another worker takes it without waiting for the lease.

An idle worker sleeps until the next retry is due, at most one poll interval; with a
`wakeup` (PostgreSQL: `persistence.notify.JobListener`) a newly enqueued job ends the sleep.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Callable, Collection, Sequence
from typing import Protocol

from plmsync.engine.clock import Clock
from plmsync.engine.executor import Executor
from plmsync.engine.failure import WAITING
from plmsync.engine.lease import JobLease
from plmsync.engine.model import Job, JobState
from plmsync.engine.reports import JobReport
from plmsync.engine.scheduler import activate_due
from plmsync.engine.settings import EngineSettings
from plmsync.ports.store import JobStore

log = logging.getLogger(__name__)

ACTIVE = (JobState.QUEUED, JobState.RETRYING, JobState.RUNNING)
# States in which a job waits for nothing a worker could do now.
SETTLED = frozenset(JobState) - set(ACTIVE)

Until = Callable[[], bool]
# Reason of a job released at shutdown: the WAITING prefix keeps it from counting as an attempt.
RELEASED = WAITING + ": released by worker {name} at shutdown, not started"


class Wakeup(Protocol):
    def wait(self, seconds: float, stop: threading.Event) -> None:
        """Return after `seconds`, when `stop` is set, or when a job may have been enqueued."""


def worker_id(suffix: str = "") -> str:
    name = f"{socket.gethostname()}:{os.getpid()}"
    return f"{name}:{suffix}" if suffix else name


class Worker:
    def __init__(
        self,
        store: JobStore,
        executor: Executor,
        name: str,
        settings: EngineSettings,
        clock: Clock,
        *,
        stop: threading.Event | None = None,
        chores: Sequence[Callable[[], None]] = (),
        wakeup: Wakeup | None = None,
    ):
        self.store = store
        self.executor = executor
        self.name = name
        self.settings = settings
        self.clock = clock
        self.stopping = stop or threading.Event()
        self.chores = chores  # e.g. scheduled reconcile (engine/schedule.py): each when due
        self.wakeup = wakeup

    def run(self, until: Until | None = None) -> int:
        """Loop until stopped, or until `until()` holds when nothing is claimable."""
        ran = 0
        while not self.stopping.is_set():
            if self._turn() is not None:
                ran += 1
            elif until is not None and self._holds(until):
                break
            else:
                self._idle()
        return ran

    def step(self) -> JobReport | None:
        """One turn of the loop; the report of the job run, if one was claimable."""
        activate_due(self.store, self.clock.today())
        for chore in self.chores:
            chore()
        self.store.reclaim_expired(self.clock.now())
        job = self.store.claim(self.name, self.clock.now(), self.settings.lease)
        return self._run(job) if job is not None else None

    def stop(self) -> None:
        self.stopping.set()

    def _turn(self) -> JobReport | None:
        try:
            return self.step()
        except Exception:  # the store was busy or failed: the loop must survive it
            log.exception("worker %s: loop turn failed; trying again", self.name)
            return None

    def _run(self, job: Job) -> JobReport | None:
        if self.stopping.is_set():
            self._release(job)
            return None
        lease = JobLease(self.store, job.id, self.name, self.clock, self.settings.lease)
        with _Heartbeat(lease, self.settings.heartbeat):
            return self.executor.run(job, lease)

    def _release(self, job: Job) -> None:
        reason = RELEASED.format(name=self.name)
        self.store.transition(
            job.id, JobState.RETRYING, reason=reason, worker=self.name, run_after=self.clock.now()
        )
        log.info("worker %s: job %s released at shutdown", self.name, job.id)

    def _holds(self, until: Until) -> bool:
        try:
            return until()
        except Exception:  # the store is unreachable: certainly not done; look again later
            log.exception("worker %s: could not tell whether to stop", self.name)
            return False

    def _idle(self) -> None:
        try:
            pause = self._pause()
        except Exception:  # a failed store call must not end the loop: poll instead
            log.exception("worker %s: could not read when the next retry is due", self.name)
            pause = self.settings.poll.total_seconds()
        if self.wakeup is None:
            self.clock.sleep(pause, self.stopping)
        else:
            self.wakeup.wait(pause, self.stopping)

    def _pause(self) -> float:
        """Until the next retry is due, at most one poll interval."""
        poll = self.settings.poll.total_seconds()
        due = [j.run_after for j in self.store.jobs(states=[JobState.RETRYING]) if j.run_after]
        if not due:
            return poll
        return min(poll, max(0.0, (min(due) - self.clock.now()).total_seconds()))


class _Heartbeat:
    """Renews a lease on its own thread while the job runs (the job may block in the ERP)."""

    def __init__(self, lease: JobLease, every: dt.timedelta):
        self._lease = lease
        self._every = every.total_seconds()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{lease.job}")

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    def _beat(self) -> None:
        while not self._done.wait(self._every):
            try:
                if not self._lease.renew():
                    log.warning("job %s: lease lost to another worker", self._lease.job)
                    return
            except Exception:  # a busy store must not kill the heartbeat; try again next beat
                log.exception("job %s: heartbeat failed", self._lease.job)


def idle(store: JobStore) -> Until:
    """Nothing queued, retrying or running anywhere (staged jobs wait for their date)."""
    return lambda: not store.jobs(states=ACTIVE)


def settled(store: JobStore, jobs: Collection[int]) -> Until:
    """Every one of these jobs is done, staged, or waiting for a person."""
    return lambda: all(store.job(job).state in SETTLED for job in jobs)


def run_threads(workers: Collection[Worker], until: Until | None = None) -> int:
    """Embedded mode: each worker on its own thread; returns how many jobs they ran."""
    counts: list[int] = []
    threads = [
        threading.Thread(target=lambda w=w: counts.append(w.run(until)), name=w.name)
        for w in workers
    ]
    for thread in threads:
        thread.start()
    try:
        _join(threads)
    except KeyboardInterrupt:  # Ctrl-C in embedded mode: finish the jobs in hand, then stop
        for worker in workers:
            worker.stop()
        _join(threads)
        raise
    return sum(counts)


def _join(threads: Collection[threading.Thread]) -> None:
    for thread in threads:
        while thread.is_alive():
            thread.join(0.2)  # short joins keep the main thread responsive to signals
