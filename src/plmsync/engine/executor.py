"""Run one claimed job: plan against live ERP state, guard revisions, lock, then stage or post.

Every attempt starts from what the ERP really holds: it re-reads, re-plans and posts only the
difference. That is what makes a crash or an ambiguous outcome (the ERP committed, then the
reply was lost) harmless — the next attempt finds the committed records (adapters match by
natural key) and the plan converges; nothing is created twice.

    payload → parse → trigger (kind/state not configured to sync → skipped)
            → plan (validation included) → revision guard
            → checkpoint hits not yet approved → one review task, waiting_review
            → lock objects
            → effective later?  stage what production does not see → staged
            → otherwise         record STARTED → apply → record POSTED → succeeded
    any error → retry policy → retrying (run_after) or dead + dead letter
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence

from plmsync.domain.errors import RejectedError
from plmsync.domain.package import ChangePackage
from plmsync.domain.plan import Plan, Step
from plmsync.domain.revision import Regression
from plmsync.domain.triggers import trigger_decision
from plmsync.engine import failure as failures
from plmsync.engine import records
from plmsync.engine.clock import Clock
from plmsync.engine.errors import StateConflict
from plmsync.engine.failure import WAITING, Failure
from plmsync.engine.guard import check_revisions, superseded_reason
from plmsync.engine.holds import hold, pending_hits
from plmsync.engine.lease import JobLease
from plmsync.engine.letters import dead_letter
from plmsync.engine.model import InboxEvent, Job, JobState, StepRecord
from plmsync.engine.order import earlier_in_flight, wait_until
from plmsync.engine.reports import JobReport, Listener, Outcome, Planned
from plmsync.engine.retry import Retry
from plmsync.engine.settings import EngineSettings
from plmsync.engine.trail import JobTrail
from plmsync.pipeline.checkpoints import CheckpointHit
from plmsync.pipeline.fetch import parse_package
from plmsync.pipeline.run import Pipeline
from plmsync.pipeline.stage import stageable
from plmsync.ports.erp import ChangeRef, ErpTarget, Posting
from plmsync.ports.store import JobStore

# The reports are defined in engine.reports; importing them from here keeps working.
__all__ = ["Executor", "JobReport", "Listener", "Outcome", "Planned"]


class Executor:
    def __init__(
        self,
        store: JobStore,
        pipeline: Pipeline,
        settings: EngineSettings,
        clock: Clock,
        *,
        rng: random.Random | None = None,
        listener: Listener | None = None,
    ):
        self.store = store
        self.pipeline = pipeline
        self.settings = settings
        self.clock = clock
        self.rng = rng or random.Random()
        self.listener = listener

    def run(self, job: Job, lease: JobLease) -> JobReport:
        attempt = _Attempt(self, job, lease)
        try:
            report = attempt.guarded(attempt.execute)
        finally:
            lease.release()
        self.notify(report)
        return report

    def notify(self, event: Planned | JobReport) -> None:
        if self.listener is not None:
            self.listener(event)


class _Attempt:
    """One attempt at one job; holds what the steps of the attempt share."""

    def __init__(self, executor: Executor, job: Job, lease: JobLease):
        self.x = executor
        self.store = executor.store
        self.job = job
        self.lease = lease
        self.number = job.attempts + 1
        self.plan: Plan | None = None
        self.started: list[StepRecord] = []
        self._trail: JobTrail | None = None

    # --- flow -----------------------------------------------------------------------------

    def guarded(self, work: Callable[[], JobReport]) -> JobReport:
        """Errors become a retry or a dead letter; a refused transition means the job is no
        longer ours (reclaimed, cancelled) and this attempt's outcome must not be written."""
        try:
            try:
                return work()
            except StateConflict:
                raise
            except Exception as error:
                return self.fail(error)
        except StateConflict as conflict:
            return JobReport(self.job, Outcome.LOST, plan=self.plan, reason=str(conflict))

    def execute(self) -> JobReport:
        event = self.store.event(self.job.event)
        self._trail = JobTrail(self.store, self.job, event)
        package = parse_package(self.store.raw_payload(self.job.event), origin=event.event_id)
        trigger = trigger_decision(package.change, self.x.pipeline.config.rules)
        if not trigger.sync:
            return self._skip(trigger.reason)
        blocker = earlier_in_flight(self.store, self.job, package.plant_codes)
        if blocker is not None:
            return self._wait_for_earlier(blocker)
        return self._plan_and_write(package, event)

    def _plan_and_write(self, package: ChangePackage, event: InboxEvent) -> JobReport:
        plan = self.plan = self.x.pipeline.plan(package, [self.job.plant])[self.job.plant]
        self._confirm_earlier(plan)
        found = self._regressions(package, plan)
        if found:
            return self._supersede(found)
        hits = pending_hits(self.store, self.x.pipeline, self.job, package, plan)
        if hits:
            return self._hold(hits, plan)
        if not self.lease.lock(self._lock_keys(plan)):
            return self._wait_for_locks()
        if self._effective_later():
            return self._stage(plan, event)
        return self._post(plan, event)

    # --- before writing -------------------------------------------------------------------

    def _confirm_earlier(self, plan: Plan) -> None:
        confirmed = records.confirmed(self.store.steps(self.job.id), plan)
        if confirmed:
            self.store.steps_finished(self.job.id, confirmed)

    def _regressions(self, package: ChangePackage, plan: Plan) -> list[Regression]:
        """Against the ERP, and against changes accepted before this one that have not posted
        yet (staged for a later date, typically). A change accepted after this one does not
        count: it runs after this one (arrival order), so revisions still land in order and
        this change's other objects are not lost."""
        pending = self.store.pending_revisions(self.job.plant, self.job.id)
        earlier = [(job, raw) for job, raw in pending if job.id < self.job.id]
        return check_revisions(package, plan, earlier)

    def _lock_keys(self, plan: Plan) -> list[str]:
        name = self.target.name
        return [f"{name}/{step.kind}/{step.key}" for step in plan.actionable]

    def _effective_later(self) -> bool:
        effective = self.job.effective_from
        if effective is None or effective <= self.x.clock.today():
            return False
        return not self._activated()

    def _activated(self) -> bool:
        """Activated early (`activate --as-of` a future date): post, do not stage again."""
        return any(
            t.from_state == JobState.STAGED and t.to_state == JobState.QUEUED
            for t in self.store.transitions(self.job.id)
        )

    # --- outcomes -------------------------------------------------------------------------

    def _supersede(self, found: list[Regression]) -> JobReport:
        reason = superseded_reason(found)
        job = self._move(JobState.SUPERSEDED, reason=reason)
        self.trail.record(
            "job.superseded",
            outcome="superseded",
            reason=reason,
            newer=[r.describe() for r in found],
        )
        return JobReport(job, Outcome.SUPERSEDED, plan=self.plan, reason=reason)

    def _skip(self, reason: str) -> JobReport:
        """Not an error: a designer's save (an ECO in work) must simply never post."""
        job = self._move(JobState.SKIPPED, reason=reason)
        self.trail.record("job.skipped", outcome="skipped", reason=reason)
        return JobReport(job, Outcome.SKIPPED, reason=reason)

    def _hold(self, hits: Sequence[CheckpointHit], plan: Plan) -> JobReport:
        """Before anything is written (staged or posted): a person decides first."""
        job, task = self.store.hold_for_review(
            self.job.id, self.lease.worker, hold(self.job, hits, plan)
        )
        self.trail.record(
            "review.opened",
            outcome="waiting_review",
            review=task.id,
            owner_role=task.owner_role,
            rules=[hit.rule.value for hit in hits],
            reason=task.reason,
        )
        reason = f"review task {task.id} ({task.owner_role}): {task.reason}"
        return JobReport(job, Outcome.WAITING_REVIEW, plan=plan, reason=reason)

    def _wait_for_locks(self) -> JobReport:
        reason = f"{WAITING} for ERP objects another job is posting"
        return self._wait(reason, self.x.clock.now() + self.x.settings.lock_wait)

    def _wait_for_earlier(self, blocker: Job) -> JobReport:
        reason = (
            f"{WAITING} for earlier job {blocker.id} ({blocker.change_number} "
            f"@{blocker.plant}, {blocker.state})"
        )
        return self._wait(
            reason, wait_until(blocker, self.x.clock.now(), self.x.settings.lock_wait)
        )

    def _wait(self, reason: str, run_after: dt.datetime) -> JobReport:
        """Not an error and not an attempt: the job simply runs again later."""
        job = self._move(JobState.RETRYING, reason=reason, run_after=run_after)
        return JobReport(job, Outcome.WAITING, plan=self.plan, reason=reason)

    def _stage(self, plan: Plan, event: InboxEvent) -> JobReport:
        steps = stageable(plan)
        postings = self._write(steps, event, self.target.stage) if steps else []
        self.trail.postings("erp.staged", postings, self.number)
        effective = self.job.effective_from
        reason = f"effective {effective}: {len(steps)} step(s) prepared out of use until then"
        job = self._move(JobState.STAGED, reason=reason)
        self.trail.record("job.staged", outcome="staged", effective_from=str(effective))
        return JobReport(job, Outcome.STAGED, len(steps), plan, reason=reason)

    def _post(self, plan: Plan, event: InboxEvent) -> JobReport:
        steps = plan.actionable
        self.x.notify(Planned(self.job, plan))
        postings = self._write(steps, event, self.target.apply) if steps else []
        self.trail.postings("erp.posted", postings, self.number)
        reason = f"{len(steps)} step(s) posted" if steps else "ERP already matches"
        job = self._move(JobState.SUCCEEDED, reason=reason)
        self.trail.record("job.succeeded", outcome="succeeded", steps=len(steps))
        if self._was_staged():
            self.trail.record("plant.activated", effective_from=str(self.job.effective_from))
        return JobReport(job, Outcome.SUCCEEDED, len(steps), plan, reason=reason)

    def _was_staged(self) -> bool:
        return any(t.to_state == JobState.STAGED for t in self.store.transitions(self.job.id))

    def _write(
        self,
        steps: Sequence[Step],
        event: InboxEvent,
        call: Callable[[ChangeRef, Sequence[Step]], list[Posting]],
    ) -> list[Posting]:
        """Recorded before and after the ERP call: a crash in between leaves STARTED rows."""
        job = self.job
        self.started = records.started(job.id, job.change_number, job.plant, steps, self.number)
        self.store.steps_started(job.id, self.started)
        postings = call(ChangeRef(job.change_number, job.plant, event.event_id), steps)
        self.store.steps_finished(job.id, records.posted(self.started, postings))
        return postings

    # --- errors ---------------------------------------------------------------------------

    def fail(self, error: BaseException) -> JobReport:
        found = Failure.of(error)
        if self.started and isinstance(error, RejectedError):
            self.store.steps_finished(self.job.id, records.failed(self.started, found.code))
        failed_before = failures.failures_since_replay(self.store.transitions(self.job.id))
        now = self.x.clock.now()
        decision = self.x.settings.retry.decide(error, failed_before + 1, now, self.x.rng)
        if isinstance(decision, Retry):
            return self._retry(error, found, decision)
        return self._dead(error, found)

    def _retry(self, error: BaseException, found: Failure, decision: Retry) -> JobReport:
        job = self._move(
            JobState.RETRYING, reason=found.reason, run_after=decision.at, failed=found
        )
        self.trail_or_none("job.retrying", found, run_after=decision.at.isoformat())
        return JobReport(job, Outcome.RETRYING, plan=self.plan, error=error, reason=found.reason)

    def _dead(self, error: BaseException, found: Failure) -> JobReport:
        job = self._move(JobState.DEAD, reason=found.reason, failed=found)
        transitions = self.store.transitions(self.job.id)
        letter = self.store.dead_letter(
            dead_letter(self.job, found, self.plan, transitions, self.x.clock.now())
        )
        self.trail_or_none("job.dead", found, dead_letter=letter.id)
        return JobReport(job, Outcome.DEAD, plan=self.plan, error=error, reason=found.reason)

    # --- store helpers --------------------------------------------------------------------

    @property
    def target(self) -> ErpTarget:
        return self.x.pipeline.targets[self.job.plant]

    @property
    def trail(self) -> JobTrail:
        assert self._trail is not None, "the trail opens with the event, first thing"
        return self._trail

    def trail_or_none(self, action: str, found: Failure, **details: object) -> None:
        """Failures may happen before the event was read (then there is nothing to link)."""
        if self._trail is None:
            self._trail = JobTrail(self.store, self.job, self.store.event(self.job.event))
        self.trail.record(
            action,
            outcome=action.removeprefix("job."),
            attempt=self.number,
            error_code=found.code,
            message=found.message,
            **details,
        )

    def _move(
        self,
        to: JobState,
        *,
        reason: str,
        run_after: dt.datetime | None = None,
        failed: Failure | None = None,
    ) -> Job:
        return self.store.transition(
            self.job.id,
            to,
            reason=reason,
            worker=self.lease.worker,
            run_after=run_after,
            error_code=failed.code if failed else "",
            error_message=failed.message if failed else "",
            count_attempt=failed is not None,
        )
