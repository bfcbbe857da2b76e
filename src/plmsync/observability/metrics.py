"""Prometheus metrics of the sync service, on a registry of their own.

Throughput per stage:
    plmsync_events_total{status}            intake: accepted / duplicate / rejected
    plmsync_jobs_total{plant,outcome}       worker: finished attempts by outcome
    plmsync_steps_total{plant,stage}        ERP: steps posted / staged
Trouble:
    plmsync_failures_total{code}            failed attempts by error code
    plmsync_retries_total{plant}            attempts that will be retried
    plmsync_dead_letters_open               dead-letter depth (read at scrape time)
    plmsync_queue_depth{state}              queued / retrying / running / staged / waiting_review
    plmsync_queue_lag_seconds               age of the oldest job that is due and not running
    plmsync_erp_call_seconds{target,operation}  latency of every ERP call
    plmsync_sla_breaches_total{kind,priority}   breaches raised (engine/sla_watch.py)
KPIs (read at scrape time, domain/kpis.py):
    plmsync_deployment_latency_hours{plant,quantile}  approval → in use, p50 / p90
    plmsync_first_pass_ratio                changes in at a plant in one go, nobody involved
    plmsync_touchpoints_per_change          reviews + replays + manual activations
    plmsync_in_use_last_day                 changes put in use per plant in the last day
    plmsync_sla_overdue                     plants waiting past their SLA threshold now

The engine reports through `listener` (its `Listener`) and the ERP adapters are wrapped by
`timed` (a `bootstrap.TargetWrapper`); the gauges read the store when scraped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from plmsync.domain.kpis import kpis
from plmsync.domain.sla import Breach, SlaPolicy, breaches
from plmsync.engine.executor import JobReport, Outcome, Planned
from plmsync.engine.facts import FactReader
from plmsync.engine.failure import Failure
from plmsync.engine.model import Job, JobState
from plmsync.observability.timed_erp import TimedErp
from plmsync.ports.erp import ErpTarget
from plmsync.ports.store import JobStore, Received

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
ERP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
QUEUED = (
    JobState.QUEUED,
    JobState.RETRYING,
    JobState.RUNNING,
    JobState.STAGED,
    JobState.WAITING_REVIEW,
)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.events = Counter("plmsync_events", "Payloads received", ["status"], registry=r)
        self.jobs = Counter(
            "plmsync_jobs", "Finished job attempts", ["plant", "outcome"], registry=r
        )
        self.steps = Counter("plmsync_steps", "ERP steps written", ["plant", "stage"], registry=r)
        self.failures = Counter("plmsync_failures", "Failed attempts", ["code"], registry=r)
        self.retries = Counter("plmsync_retries", "Attempts to retry", ["plant"], registry=r)
        self.erp_seconds = Histogram(
            "plmsync_erp_call_seconds",
            "ERP call latency",
            ["target", "operation"],
            buckets=ERP_BUCKETS,
            registry=r,
        )
        self.sla_breaches = Counter(
            "plmsync_sla_breaches",
            "Plants that went past a change's SLA threshold (raised once each)",
            ["kind", "priority"],
            registry=r,
        )

    # --- what the service reports -----------------------------------------------------------

    def received(self, received: Received) -> None:
        self.events.labels(status=str(received.event.status)).inc()

    def listener(self, event: Planned | JobReport) -> None:
        """The engine's `Listener`: pass it to `Engine.run(..., listener=...)`."""
        if isinstance(event, JobReport):
            self._report(event)

    def timed(self, target: ErpTarget) -> ErpTarget:
        """A `bootstrap.TargetWrapper`: every ERP call of `target` is timed."""
        return TimedErp(target, self.erp_seconds)

    def watch(self, store: JobStore, now: Callable[[], dt.datetime]) -> None:
        """Gauges read from the store at each scrape: dead letters, queue depth and lag."""
        self.registry.register(StoreGauges(store, now))

    def watch_kpis(
        self, store: JobStore, policy: SlaPolicy, now: Callable[[], dt.datetime]
    ) -> None:
        """KPI gauges computed from the store at each scrape."""
        self.registry.register(KpiGauges(store, policy, now))

    def breached(self, breach: Breach) -> None:
        """A `BreachListener` for `SlaWatch`."""
        self.sla_breaches.labels(kind=breach.clock.kind, priority=breach.clock.priority).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    def _report(self, report: JobReport) -> None:
        plant = report.job.plant
        self.jobs.labels(plant=plant, outcome=str(report.outcome)).inc()
        if report.outcome in (Outcome.SUCCEEDED, Outcome.STAGED) and report.posted:
            stage = "posted" if report.outcome is Outcome.SUCCEEDED else "staged"
            self.steps.labels(plant=plant, stage=stage).inc(report.posted)
        if report.error is not None:
            self.failures.labels(code=Failure.of(report.error).code).inc()
        if report.outcome is Outcome.RETRYING:
            self.retries.labels(plant=plant).inc()


class StoreGauges(Collector):
    def __init__(self, store: JobStore, now: Callable[[], dt.datetime]):
        self.store = store
        self.now = now

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "plmsync_dead_letters_open",
            "Open dead letters",
            value=len(self.store.dead_letters(status="open")),
        )
        jobs = self.store.jobs(states=QUEUED)
        depth = GaugeMetricFamily("plmsync_queue_depth", "Jobs by waiting state", labels=["state"])
        for state in QUEUED:
            depth.add_metric([str(state)], sum(1 for j in jobs if j.state == state))
        yield depth
        yield GaugeMetricFamily(
            "plmsync_queue_lag_seconds",
            "Age of the oldest due job not yet running",
            value=self._lag(jobs),
        )

    def _lag(self, jobs: list[Job]) -> float:
        now = self.now()
        due = [
            j.run_after or j.created_at
            for j in jobs
            if j.state in (JobState.QUEUED, JobState.RETRYING)
            and (j.run_after is None or j.run_after <= now)
        ]
        oldest = min((d for d in due if d is not None), default=None)
        return max(0.0, (now - oldest).total_seconds()) if oldest else 0.0


class KpiGauges(Collector):
    def __init__(self, store: JobStore, policy: SlaPolicy, now: Callable[[], dt.datetime]):
        self.store = store
        self.policy = policy
        self.now = now
        self.reader = FactReader(store)  # keeps parsed packages between scrapes

    def collect(self) -> Iterator[Metric]:
        now = self.now()
        jobs = self.store.jobs()  # read once for the KPIs and the SLA clocks
        deployments = self.reader.deployments(jobs)
        touch = {c: t.total for c, t in self.store.touchpoints().items()}
        found = kpis(deployments, touch, 0, now)
        latency = GaugeMetricFamily(
            "plmsync_deployment_latency_hours",
            "PLM approval to in use, per plant",
            labels=["plant", "quantile"],
        )
        for plant, value in found.latency.items():
            for quantile, hours in (("0.5", value.p50), ("0.9", value.p90)):
                if hours is not None:
                    latency.add_metric([plant, quantile], hours)
        yield latency
        yield _gauge("plmsync_first_pass_ratio", "First-pass sync rate", found.first_pass_rate)
        yield _gauge(
            "plmsync_touchpoints_per_change",
            "Manual touchpoints per change",
            found.touchpoints_per_change,
        )
        yield _gauge("plmsync_in_use_last_day", "Changes in use, last 24 h", found.in_use_last_24h)
        overdue = breaches(self.policy, self.reader.clocks(jobs), now)
        yield _gauge("plmsync_sla_overdue", "Plants past their SLA now", len(overdue))


def _gauge(name: str, documentation: str, value: float | None) -> GaugeMetricFamily:
    """A gauge with no sample while its value is unknown (no change has an outcome yet)."""
    gauge = GaugeMetricFamily(name, documentation)
    if value is not None:
        gauge.add_metric([], value)
    return gauge
