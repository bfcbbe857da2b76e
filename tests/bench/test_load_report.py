"""The load summary reads the service's own figures: KPI gauges from /metrics, plant states
from /v1/changes."""

from __future__ import annotations

from typing import Any

from bench.load_report import LoadRun, markdown

from plmsync import generator

EXPOSITION = """\
# TYPE plmsync_deployment_latency_hours gauge
plmsync_deployment_latency_hours{plant="US01",quantile="0.5"} 0.5
plmsync_deployment_latency_hours{plant="US01",quantile="0.9"} 2.0
plmsync_deployment_latency_hours{plant="all",quantile="0.5"} 0.5
# TYPE plmsync_first_pass_ratio gauge
plmsync_first_pass_ratio 0.75
# TYPE plmsync_touchpoints_per_change gauge
plmsync_touchpoints_per_change 0.25
# TYPE plmsync_dead_letters_open gauge
plmsync_dead_letters_open 1.0
# TYPE plmsync_steps counter
plmsync_steps_total{plant="US01",stage="posted"} 42.0
plmsync_steps_total{plant="US01",stage="staged"} 7.0
"""


def status(plant: str, state: str, attempts: int = 1) -> dict[str, Any]:
    return {"plant": plant, "state": state, "attempts": attempts}


class FakeServer:
    def metrics(self) -> str:
        return EXPOSITION

    def changes(self) -> list[dict[str, Any]]:
        return [
            {"number": "ECO-1", "plants": [status("US01", "succeeded"), status("DE01", "staged")]},
            {"number": "ECO-2", "plants": [status("US01", "succeeded", attempts=3)]},
            {"number": "ECO-3", "plants": [status("US01", "dead", attempts=8)]},
        ]


def test_run_is_read_from_metrics_and_changes() -> None:
    run = LoadRun.read(FakeServer(), ecos=3, seconds=1.5)
    us01 = next(row for row in run.plants if row.plant == "US01")
    assert (us01.p50_seconds, us01.p90_seconds) == (0.5 * 3600, 2.0 * 3600)
    assert us01.states == {"dead": 1, "succeeded": 2}
    assert us01.first_pass == 1 / 3  # of 3 outcomes, one succeeded in one attempt
    assert us01.steps_posted == 42  # staged steps are not posted ones
    de01 = next(row for row in run.plants if row.plant == "DE01")
    assert de01.p50_seconds is None and de01.first_pass is None  # staged: no outcome yet
    assert (run.first_pass_ratio, run.touchpoints_per_change) == (0.75, 0.25)
    assert run.dead_letters == 1 and run.sla_overdue is None
    assert run.ecos_per_second == 2.0


def test_markdown_names_the_command_and_every_plant() -> None:
    run = LoadRun.read(FakeServer(), ecos=3, seconds=1.5)
    text = markdown(run, generator.Shape(), "python -m bench.load --ecos 3", {"CPU": "test"})
    assert "`python -m bench.load --ecos 3`" in text
    assert "| US01 | 1,800.000 | 7,200.000 | 33.3% | dead 1, succeeded 2 | 42 |" in text
    assert "| DE01 | — | — | — | staged 1 | 0 |" in text
