"""`plmsync worker --concurrency K`: K worker processes sharing one state database.

Each worker is a `spawn`ed interpreter (a fork would inherit the parent's database
connections and threads) that builds its own engine with an `EngineFactory` and runs one
worker loop. Processes rather than threads because planning is CPU-bound Python: threads
share one core through the GIL, processes use them all. On PostgreSQL they claim with
`FOR UPDATE SKIP LOCKED`, wake on LISTEN/NOTIFY and run with bounded session limits
(persistence/sessions.py); on SQLite they queue on the file's write lock and poll.

The parent supervises: SIGTERM or SIGINT is passed on to every worker, which finishes the job
in hand (or releases one it had not started) and exits; a worker that dies otherwise is
started again, its job reclaimed by whoever is first once its lease runs out.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import FrameType

from plmsync.engine.reports import Listener
from plmsync.engine.service import Engine
from plmsync.engine.worker import Worker, idle, run_threads
from plmsync.persistence.notify import JobListener
from plmsync.persistence.sessions import limited_url

log = logging.getLogger(__name__)

EngineFactory = Callable[[], Engine]
"""Builds a worker's engine inside its own process; must be picklable (a module-level class)."""

_SUPERVISE_EVERY_S = 0.2
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@dataclass(frozen=True)
class WorkspaceEngine:
    """The engine of a workspace (`plmsync.yaml`), as a worker process builds it: the state
    database URL gets the session limits of a worker."""

    config_path: Path

    def __call__(self) -> Engine:
        from plmsync.bootstrap import build_engine
        from plmsync.config import load_config

        config = load_config(self.config_path)
        url = limited_url(config.engine.state_url(config.base_dir))
        engine_config = config.engine.model_copy(update={"url": url})
        return build_engine(config.model_copy(update={"engine": engine_config}))


@dataclass(frozen=True)
class WorkerSpec:
    """What one worker process runs."""

    factory: EngineFactory
    exit_when_idle: bool = False
    report: Listener | None = None  # picklable: a module-level function


def start_worker(spec: WorkerSpec, name: str) -> BaseProcess:
    process = multiprocessing.get_context("spawn").Process(
        target=run_worker, args=(spec,), name=name, daemon=False
    )
    process.start()
    return process


def run_worker(spec: WorkerSpec) -> None:
    """The body of one worker process (also usable in-process, from the main thread)."""
    engine = spec.factory()
    for signum in _STOP_SIGNALS:
        signal.signal(signum, lambda _signum, _frame: engine.stop())
    workers = engine.workers(1, spec.report, scheduled=True)
    listeners = [_listen(worker, engine) for worker in workers]
    try:
        run_threads(workers, idle(engine.store) if spec.exit_when_idle else None)
    finally:
        for listener in listeners:
            if listener is not None:
                listener.close()
        engine.close()


def _listen(worker: Worker, engine: Engine) -> JobListener | None:
    url = getattr(engine.store, "url", None)
    if url is None or url.get_backend_name() != "postgresql":
        return None
    listener = JobListener(url)
    worker.wakeup = listener
    return listener


class Supervisor:
    """Keeps `count` worker processes running until stopped (or, with `exit_when_idle`,
    until they have all found nothing left to do)."""

    def __init__(self, spec: WorkerSpec, count: int):
        self.spec = spec
        self.count = count
        self.stopping = threading.Event()
        self.restarts = 0

    def run(self) -> int:
        """Returns how many worker processes had to be started again."""
        processes = {n: start_worker(self.spec, f"worker-{n}") for n in range(1, self.count + 1)}
        told = False
        while processes:
            self.stopping.wait(_SUPERVISE_EVERY_S)
            if self.stopping.is_set() and not told:
                _signal_all(processes.values(), signal.SIGTERM)
                told = True
            for n, process in list(processes.items()):
                if not process.is_alive():
                    process.join()
                    self._replace_or_drop(processes, n)
        return self.restarts

    def stop(self, _signum: int = signal.SIGTERM, _frame: FrameType | None = None) -> None:
        self.stopping.set()

    def _replace_or_drop(self, processes: dict[int, BaseProcess], n: int) -> None:
        process = processes.pop(n)
        finished = self.stopping.is_set() or (self.spec.exit_when_idle and process.exitcode == 0)
        if not finished:
            log.warning("worker %s exited with %s; starting it again", n, process.exitcode)
            processes[n] = start_worker(self.spec, f"worker-{n}")
            self.restarts += 1


def _signal_all(processes: Iterable[BaseProcess], signum: int) -> None:
    for process in processes:
        if process.is_alive() and process.pid is not None:
            with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
                os.kill(process.pid, signum)
