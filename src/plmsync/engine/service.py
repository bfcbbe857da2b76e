"""`Engine`: the one facade the CLI (and later the API) uses for the durable sync engine.

It only assembles the engine's parts — intake, workers, scheduler, read models, dead-letter
actions, audit — around one store, one pipeline (the plants' ERP targets) and one clock.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
from collections.abc import Callable, Collection, Sequence

from plmsync.domain.issues import Issue
from plmsync.domain.package import ChangePackage
from plmsync.domain.plan import Plan
from plmsync.domain.triggers import TriggerDecision, trigger_decision
from plmsync.engine import intake, replay
from plmsync.engine.clock import Clock, SystemClock
from plmsync.engine.executor import Executor
from plmsync.engine.model import AuditEntry, DeadLetter, Job
from plmsync.engine.reconcile import PlantDrift, log_drift, reconcile
from plmsync.engine.reports import Listener
from plmsync.engine.reviews import ReviewDesk
from plmsync.engine.schedule import Every
from plmsync.engine.scheduler import activate_due, activation_entry
from plmsync.engine.settings import EngineSettings
from plmsync.engine.status import StatusRow, status_rows
from plmsync.engine.worker import Until, Worker, idle, run_threads, settled, worker_id
from plmsync.pipeline.run import Pipeline
from plmsync.ports.store import JobStore, Received, Touchpoints


class Engine:
    def __init__(
        self,
        store: JobStore,
        pipeline: Pipeline,
        settings: EngineSettings | None = None,
        clock: Clock | None = None,
        *,
        rng: random.Random | None = None,
    ):
        self.store = store
        self.pipeline = pipeline
        self.settings = settings or EngineSettings()
        self.clock = clock or SystemClock()
        self.rng = rng or random.Random()
        self.stopping = threading.Event()
        self.reviews = ReviewDesk(store)  # the review queue (CLI and API)

    # --- intake -------------------------------------------------------------------------

    def submit(
        self, raw: bytes, *, event_id: str | None = None, actor: str = "plmsync"
    ) -> Received:
        return intake.submit(self.store, raw, event_id=event_id, actor=actor)

    def trigger(self, package: ChangePackage) -> TriggerDecision:
        """Whether the change's kind and state sync at all (else its jobs end skipped)."""
        return trigger_decision(package.change, self.pipeline.config.rules)

    def check(self, package: ChangePackage) -> list[Issue]:
        """Every issue of a package, reading the ERPs but writing nothing anywhere."""
        return self.pipeline.check(package)

    def preview(self, package: ChangePackage) -> dict[str, Plan]:
        """The plans a sync would post now (ValidationFailed if the package is invalid)."""
        return self.pipeline.plan(package)

    # --- running ------------------------------------------------------------------------

    def workers(
        self,
        count: int | None = None,
        listener: Listener | None = None,
        *,
        scheduled: bool = False,
        chores: Sequence[Callable[[], None]] = (),
    ) -> list[Worker]:
        """`count` workers (default: the configured threads) sharing one stop signal; with
        `scheduled`, also the configured chores (reconcile) — for long-running workers — and
        the caller's own `chores` (the service's SLA watch)."""
        executor = Executor(
            self.store, self.pipeline, self.settings, self.clock, rng=self.rng, listener=listener
        )
        number = count or self.settings.threads
        chores = [*(self._chores() if scheduled else []), *chores]
        return [
            Worker(
                self.store,
                executor,
                worker_id(f"t{n}"),
                self.settings,
                self.clock,
                stop=self.stopping,
                chores=chores,
            )
            for n in range(1, number + 1)
        ]

    def _chores(self) -> list[Callable[[], None]]:
        every = self.settings.reconcile_every
        if every is None:
            return []
        heal = self.settings.reconcile_heal
        return [Every(every, lambda: log_drift(self.reconcile(heal=heal)), self.clock)]

    def run(
        self,
        until: Until | None,
        *,
        threads: int | None = None,
        listener: Listener | None = None,
        scheduled: bool = False,
        chores: Sequence[Callable[[], None]] = (),
    ) -> int:
        """Work (embedded, on threads) until `until()` holds or `stop()` is called. A stop
        is final for this engine, even one signalled before `run` began."""
        workers = self.workers(threads, listener, scheduled=scheduled, chores=chores)
        return run_threads(workers, until)

    def run_until_idle(
        self, *, threads: int | None = None, listener: Listener | None = None
    ) -> int:
        return self.run(idle(self.store), threads=threads, listener=listener)

    def run_until_settled(
        self, jobs: Collection[int], *, threads: int | None = None, listener: Listener | None = None
    ) -> int:
        """Until these jobs are done, staged or dead (other due jobs are worked on meanwhile)."""
        return self.run(settled(self.store, jobs), threads=threads, listener=listener)

    def stop(self) -> None:
        """Workers finish the job they are on, then return."""
        self.stopping.set()

    def activate(self, as_of: dt.date, *, by: str | None = None) -> list[Job]:
        """Queue staged jobs due by `as_of`. `by` names the person who asked (a manual
        touchpoint, audited per job); the worker's own scheduler passes none."""
        jobs = activate_due(self.store, as_of)
        if by is not None:
            for job in jobs:
                self.store.audit(activation_entry(self.store, job, as_of, by))
        return jobs

    # --- governance ---------------------------------------------------------------------

    def reconcile(
        self, plants: Sequence[str] = (), *, heal: bool = False, actor: str = "plmsync"
    ) -> list[PlantDrift]:
        """Drift between what was last synced and live ERP, per plant (see engine/reconcile)."""
        return reconcile(self.store, self.pipeline, plants, heal=heal, actor=actor)

    def touchpoints(self, change: str | None = None) -> dict[str, Touchpoints]:
        """Per change: review tasks, dead-letter replays, manual activations."""
        return self.store.touchpoints(change)

    # --- reading ------------------------------------------------------------------------

    def status(self, change: str | None = None) -> list[StatusRow]:
        return status_rows(self.store, change)

    def jobs_of_event(self, event: int) -> list[Job]:
        received = self.store.event(event)
        return [
            j for j in self.store.jobs(change_number=received.change_number) if j.event == event
        ]

    def audit_trail(self, change: str | None = None) -> list[AuditEntry]:
        return self.store.audit_trail(change)

    def verify_audit(self) -> AuditEntry | None:
        return self.store.verify_audit()

    # --- dead letters -------------------------------------------------------------------

    def dead_letters(self, status: str | None = "open") -> list[DeadLetter]:
        return self.store.dead_letters(status=status)

    def dead_letter(self, letter: int) -> DeadLetter:
        return self.store.dead_letter_by_id(letter)

    def payload_of(self, letter: DeadLetter) -> bytes:
        """The original payload, exactly as received."""
        return self.store.raw_payload(letter.event)

    def replay(self, letter: int, *, payload: bytes | None = None, by: str) -> replay.ReplayResult:
        return replay.replay(self.store, letter, payload=payload, by=by)

    def discard(self, letter: int, *, by: str) -> DeadLetter:
        return replay.discard(self.store, letter, by=by)

    def close(self) -> None:
        close = getattr(self.store, "close", None)
        if callable(close):
            close()
        for target in {id(t): t for t in self.pipeline.targets.values()}.values():
            target.close()
