"""`/metrics` exposes throughput per stage, failures by code, retries, dead-letter depth,
ERP latency per target, queue depth and lag, SLA breaches and the KPIs — and they move
during a sync."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient

from plmsync.api.services import ApiServices
from plmsync.engine.clock import ManualClock
from plmsync.persistence import SqlStore
from tests.api.conftest import RELEASE, Auth, erp, run

FAMILIES = (
    "plmsync_events_total",
    "plmsync_jobs_total",
    "plmsync_steps_total",
    "plmsync_failures_total",
    "plmsync_retries_total",
    "plmsync_dead_letters_open",
    "plmsync_queue_depth",
    "plmsync_queue_lag_seconds",
    "plmsync_erp_call_seconds",
    "plmsync_sla_breaches_total",
    "plmsync_deployment_latency_hours",
    "plmsync_first_pass_ratio",
    "plmsync_touchpoints_per_change",
    "plmsync_in_use_last_day",
    "plmsync_sla_overdue",
)


def scrape(client: TestClient, auth: Auth) -> dict[str, float]:
    response = client.get("/metrics", headers=auth("changes:read"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for line in response.text.splitlines():
        match = re.match(r"^([a-z_]+(?:\{[^}]*\})?) (\S+)$", line)
        if match:
            samples[match.group(1)] = float(match.group(2))
    return samples


def test_every_metric_family_is_exposed(client: TestClient, auth: Auth) -> None:
    text = client.get("/metrics", headers=auth("changes:read")).text
    for family in FAMILIES:
        assert f"# TYPE {family.removesuffix('_total')}" in text, family


def test_metrics_change_during_a_sync(
    client: TestClient, services: ApiServices, auth: Auth
) -> None:
    before = scrape(client, auth)
    assert before['plmsync_queue_depth{state="queued"}'] == 0
    client.post("/v1/changes", content=RELEASE, headers=auth("changes:write"))
    queued = scrape(client, auth)
    assert queued['plmsync_events_total{status="accepted"}'] == 1
    assert queued['plmsync_queue_depth{state="queued"}'] == 2
    run(services)
    after = scrape(client, auth)
    assert after['plmsync_queue_depth{state="queued"}'] == 0
    assert after['plmsync_jobs_total{outcome="succeeded",plant="US01"}'] == 1
    assert after['plmsync_steps_total{plant="US01",stage="posted"}'] > 0
    assert after['plmsync_erp_call_seconds_count{operation="apply",target="mem_us"}'] == 1
    assert after['plmsync_erp_call_seconds_count{operation="read",target="mem_de"}'] >= 1


def test_failures_count_by_code_and_dead_letters_by_depth(
    client: TestClient, services: ApiServices, auth: Auth
) -> None:
    erp(services).reject_keys = {"PMP-40"}
    client.post("/v1/changes", content=RELEASE, headers=auth("changes:write"))
    run(services)
    after = scrape(client, auth)
    assert after["plmsync_dead_letters_open"] == 1
    assert after['plmsync_jobs_total{outcome="dead",plant="US01"}'] == 1
    failed = {k: v for k, v in after.items() if k.startswith("plmsync_failures_total")}
    assert list(failed.values()) == [1] and "PLMSYNC-ERP" in next(iter(failed))


def test_retries_and_queue_lag_while_an_erp_is_down(
    client: TestClient, services: ApiServices, auth: Auth
) -> None:
    erp(services).unavailable = True
    client.post("/v1/changes", content=RELEASE, headers=auth("changes:write"))
    clock = services.engine.clock
    assert isinstance(clock, ManualClock)
    clock.advance(dt.timedelta(seconds=30))
    assert scrape(client, auth)["plmsync_queue_lag_seconds"] == 30
    worker = services.engine.workers(1, listener=services.metrics.listener)[0]
    worker.step()
    after = scrape(client, auth)
    assert after['plmsync_retries_total{plant="US01"}'] == 1
    assert after['plmsync_failures_total{code="PLMSYNC-ERP-UNAVAILABLE"}'] == 1


def test_kpis_move_during_a_sync(client: TestClient, services: ApiServices, auth: Auth) -> None:
    assert "plmsync_first_pass_ratio" not in scrape(client, auth)  # no outcome yet: no sample
    client.post("/v1/changes", content=RELEASE, headers=auth("changes:write"))
    assert scrape(client, auth)["plmsync_sla_overdue"] == 2  # approved 2026-05-04, due +48 h
    run(services)
    after = scrape(client, auth)
    assert after["plmsync_first_pass_ratio"] == 1.0
    assert after["plmsync_in_use_last_day"] == 2
    assert after["plmsync_sla_overdue"] == 0
    # approved 2026-05-04 08:50 UTC, in use at the engine's 2026-06-01 08:00: 671.2 h
    latency = after['plmsync_deployment_latency_hours{plant="US01",quantile="0.5"}']
    assert round(latency, 1) == 671.2


def test_an_sla_breach_is_raised_once_audited_and_counted(
    client: TestClient, services: ApiServices, auth: Auth
) -> None:
    client.post("/v1/changes", content=RELEASE, headers=auth("changes:write"))
    raised = services.sla.check()
    assert sorted(b.plant for b in raised) == ["DE01", "US01"]
    assert services.sla.check() == []  # raised once per plant
    counted = scrape(client, auth)['plmsync_sla_breaches_total{kind="release",priority="normal"}']
    assert counted == 2
    trail = [e for e in services.engine.audit_trail("REL-0007") if e.action == "sla.breached"]
    assert sorted(e.plant for e in trail) == ["DE01", "US01"]
    store = services.engine.store
    assert isinstance(store, SqlStore)
    announced = [e for e in store.outbox_events() if e.type == "sla.breached"]
    assert sorted(e.data["plant"] for e in announced) == ["DE01", "US01"]  # CloudEvents out
