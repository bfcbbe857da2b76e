"""A plmsync deployment in miniature for the reliability scenarios: a state database
(PostgreSQL or SQLite), worker processes started exactly as `plmsync worker --concurrency`
starts them (`plmsync.engine.processes`), and one `FileErp` per plant.

Why `FileErp` and not Tryton: every scenario restarts worker processes many times (≥ 50
SIGKILLs across the suite), and a Tryton-backed worker spends seconds loading its pool
before its first claim; the whole suite must run in about three minutes on two cores. FileErp
keeps the fake ERP's rules (it passes the same contract suite as the Tryton adapter), shares
its tables between processes, commits all-or-nothing across a SIGKILL, and journals every
effect it commits — which is what the ledger checker needs. The Tryton SIGKILL series in
test_worker_kills.py covers the real adapter.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from pathlib import Path

import sqlalchemy as sa

from plmsync.bootstrap import build_engine
from plmsync.config import EngineConfig, FakeTarget, PlantConfig, WorkspaceConfig
from plmsync.connectors.erp.wrapper import ErpWrapper
from plmsync.domain.errors import TransientError
from plmsync.domain.package import ChangePackage
from plmsync.domain.plan import Step
from plmsync.engine.model import JobState
from plmsync.engine.processes import WorkerSpec, start_worker
from plmsync.engine.service import Engine
from plmsync.engine.worker import SETTLED
from plmsync.pipeline.derive import PlantContext
from plmsync.ports.erp import ChangeRef, ErpTarget, Posting
from plmsync.testing.file_erp import FileErp
from plmsync.testing.ledger import LedgerReport, ObjectId, check, intended_effects
from tests.reliability.workload import PLANTS

# Short leases so a killed worker's job is reclaimed within a second; fast backoff so that
# retries do not dominate the run; a generous attempt budget, because in these scenarios
# faults are injected far more often than any ERP or database fails in production.
ENGINE = {
    "lease_seconds": 1.0,
    "heartbeat_seconds": 0.3,
    "poll_seconds": 0.5,
    "backoff_base_seconds": 0.05,
    "backoff_max_seconds": 0.3,
    "lock_wait_seconds": 0.25,
    "max_attempts": 200,
    "jitter": 0.1,
}
LATENCY_S = 0.02  # per ERP call, half before the ERP sees it and half after it committed
REPLY_LOST_EVERY = 10  # "ERP commits, caller sees a timeout": every 10th committed write


def workspace(state_url: str, directory: Path) -> WorkspaceConfig:
    return WorkspaceConfig(
        plants={code: PlantConfig(target=code, region=region) for code, region in PLANTS},
        targets={code: FakeTarget(kind="memory") for code, _ in PLANTS},
        engine=EngineConfig(url=state_url, **ENGINE),
        base_dir=directory,
    )


@dataclass(frozen=True)
class ClusterEngine:
    """Builds a worker's engine in its own process: the workspace's store, and each plant's
    ERP as a FileErp under `erp_dir` (optionally losing the reply of every 10th write)."""

    config: WorkspaceConfig
    erp_dir: Path
    lose_replies: bool = False

    def __call__(self) -> Engine:
        return build_engine(self.config, wrap_target=self._target)

    def observer(self) -> Engine:
        """The same engine for the test's own look-ups and deliveries, under another
        PostgreSQL application name, so that faults aimed at workers spare the observer."""
        url = sa.make_url(self.config.engine.url or "")
        if url.get_backend_name() == "postgresql":
            url = url.update_query_dict({"application_name": "plmsync-observer"})
        engine_config = self.config.engine.model_copy(
            update={"url": url.render_as_string(hide_password=False)}
        )
        return build_engine(self.config.model_copy(update={"engine": engine_config}))

    def _target(self, configured: ErpTarget) -> ErpTarget:
        erp = FileErp(self.erp_dir / f"{configured.name}.erp", latency=LATENCY_S)
        return LosesEveryTenthReply(erp) if self.lose_replies else erp


class LosesEveryTenthReply(ErpWrapper):
    """The ERP commits every write, but the caller of every 10th one (counted across all
    processes, in a side file) gets a timeout instead of the reply."""

    def __init__(self, inner: FileErp):
        super().__init__(inner)
        self.counter = inner.path.parent / "replies.writes"  # one count for every plant

    def apply(self, change: ChangeRef, steps: Sequence[Step]) -> list[Posting]:
        return self._reply_maybe_lost(change, self.inner.apply(change, steps))

    def stage(self, change: ChangeRef, steps: Sequence[Step]) -> list[Posting]:
        return self._reply_maybe_lost(change, self.inner.stage(change, steps))

    def _reply_maybe_lost(self, change: ChangeRef, postings: list[Posting]) -> list[Posting]:
        if writes_counted(self.counter, add=1) % REPLY_LOST_EVERY == 0:
            raise TransientError(
                f"timeout after the ERP committed: {change.number} on {self.name} "
                "went through but its reply was lost"
            )
        return postings


def writes_counted(counter: Path, *, add: int = 0) -> int:
    with open(counter.with_suffix(".lock"), "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        count = int(counter.read_text() or 0) if counter.exists() else 0
        counter.write_text(str(count + add))
        return count + add


@dataclass
class Cluster:
    """`size` worker processes on one factory; kill, replace and stop them."""

    factory: ClusterEngine
    size: int
    processes: list[BaseProcess] = field(default_factory=list)
    kills: int = 0

    def __enter__(self) -> Cluster:
        self.processes = [self._start(n) for n in range(self.size)]
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def kill_one(self, pick: Callable[[int], int]) -> None:
        """SIGKILL the worker `pick(size)` and start a new one in its place."""
        n = pick(self.size)
        victim = self.processes[n]
        if victim.is_alive() and victim.pid is not None:
            os.kill(victim.pid, signal.SIGKILL)
            victim.join()
            self.kills += 1
        self.processes[n] = self._start(n)

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM, as an operator stops workers: each finishes or releases its job."""
        for process in self.processes:
            if process.is_alive() and process.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGTERM)
        for process in self.processes:
            process.join(timeout)
            if process.is_alive():
                process.kill()
                raise AssertionError(f"{process.name} ignored SIGTERM for {timeout} s")

    def _start(self, n: int) -> BaseProcess:
        return start_worker(WorkerSpec(self.factory), f"worker-{n}")


def deliver(factory: ClusterEngine, packages: Sequence[ChangePackage]) -> list[int]:
    """Submit each package once (in this order); the jobs they enqueued."""
    engine = factory.observer()
    try:
        return [j.id for p in packages for j in engine.submit(p.model_dump_json().encode()).jobs]
    finally:
        engine.close()


def wait_settled(factory: ClusterEngine, timeout: float = 90.0, *, every: float = 0.2) -> None:
    """Until no job is queued, retrying or running (the scenario's work is done)."""
    engine = factory.observer()
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(j.state in SETTLED for j in engine.store.jobs()):
                return
            time.sleep(every)
        raise AssertionError(f"jobs not settled after {timeout} s: {job_states(engine)}")
    finally:
        engine.close()


def job_states(engine: Engine) -> dict[str, int]:
    found: dict[str, int] = {}
    for job in engine.store.jobs():
        found[job.state.value] = found.get(job.state.value, 0) + 1
    return found


def final_states(factory: ClusterEngine) -> dict[str, dict[ObjectId, str]]:
    return {code: FileErp(factory.erp_dir / f"{code}.erp").state() for code, _ in PLANTS}


def ledger(factory: ClusterEngine, packages: Sequence[ChangePackage]) -> LedgerReport:
    """`packages` in release order (whatever order they were delivered in)."""
    erps = {code: FileErp(factory.erp_dir / f"{code}.erp") for code, _ in PLANTS}
    plants = {code: PlantContext(code, region) for code, region in PLANTS}
    return check(
        intended_effects(packages, plants, factory.config.rules),
        [e for erp in erps.values() for e in erp.journal()],
        {obj: fp for erp in erps.values() for obj, fp in erp.state().items()},
        duplicate_records={
            o: i for erp in erps.values() for o, i in erp.duplicate_records().items()
        },
    )


def outcome_counts(factory: ClusterEngine) -> dict[str, int]:
    engine = factory.observer()
    try:
        return job_states(engine)
    finally:
        engine.close()


def dead_letters(factory: ClusterEngine) -> int:
    engine = factory.observer()
    try:
        return len(engine.dead_letters())
    finally:
        engine.close()


@contextlib.contextmanager
def every(seconds: Callable[[], float], action: Callable[[], None]) -> Iterator[threading.Event]:
    """Run `action` on a thread every `seconds()` until the block ends."""
    done = threading.Event()

    def loop() -> None:
        while not done.wait(seconds()):
            action()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield done
    finally:
        done.set()
        thread.join()


SUCCEEDED_OR_SUPERSEDED = {JobState.SUCCEEDED.value, JobState.SUPERSEDED.value}
