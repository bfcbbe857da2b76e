"""What the load scenario reports: read back from the service's own `/metrics` (the KPI
gauges, dead letters, steps) and `/v1/changes` (each plant's state), nothing counted by the
load generator itself."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any, Protocol

from prometheus_client.parser import text_string_to_metric_families
from rich.console import Console
from rich.table import Table

from plmsync import generator

HOUR = 3600.0
ENDED = ("succeeded", "dead", "waiting_review")  # a plant's outcome, as the KPIs count it


class Readable(Protocol):
    def metrics(self) -> str: ...
    def changes(self) -> list[dict[str, Any]]: ...


Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]  # (name, labels) → value


@dataclass(frozen=True)
class PlantRow:
    plant: str
    p50_seconds: float | None
    p90_seconds: float | None
    states: dict[str, int]
    first_pass: float | None  # succeeded in one attempt, of the plant's changes with an outcome
    steps_posted: int


@dataclass(frozen=True)
class LoadRun:
    ecos: int
    seconds: float  # first ECO sent → last job settled
    plants: list[PlantRow]
    first_pass_ratio: float | None
    touchpoints_per_change: float | None
    in_use_last_day: float | None
    sla_overdue: float | None
    dead_letters: float | None
    changes: int

    @property
    def ecos_per_second(self) -> float:
        return self.ecos / self.seconds

    @classmethod
    def read(cls, server: Readable, *, ecos: int, seconds: float) -> LoadRun:
        samples = parse(server.metrics())
        by_plant: dict[str, list[dict[str, Any]]] = {}
        changes = server.changes()
        for change in changes:
            for status in change["plants"]:
                by_plant.setdefault(status["plant"], []).append(status)
        return cls(
            ecos=ecos,
            seconds=seconds,
            plants=[_plant_row(p, by_plant[p], samples) for p in sorted(by_plant)],
            first_pass_ratio=samples.get(("plmsync_first_pass_ratio", ())),
            touchpoints_per_change=samples.get(("plmsync_touchpoints_per_change", ())),
            in_use_last_day=samples.get(("plmsync_in_use_last_day", ())),
            sla_overdue=samples.get(("plmsync_sla_overdue", ())),
            dead_letters=samples.get(("plmsync_dead_letters_open", ())),
            changes=len(changes),
        )


def parse(exposition: str) -> Samples:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


def _plant_row(plant: str, statuses: list[dict[str, Any]], samples: Samples) -> PlantRow:
    def latency(quantile: str) -> float | None:
        labels = (("plant", plant), ("quantile", quantile))
        hours = samples.get(("plmsync_deployment_latency_hours", labels))
        return None if hours is None else hours * HOUR

    states = Counter(s["state"] for s in statuses)
    ended = [s for s in statuses if s["state"] in ENDED]
    clean = [s for s in ended if s["state"] == "succeeded" and s["attempts"] <= 1]
    posted = samples.get(("plmsync_steps_total", (("plant", plant), ("stage", "posted"))), 0)
    return PlantRow(
        plant=plant,
        p50_seconds=latency("0.5"),
        p90_seconds=latency("0.9"),
        states=dict(sorted(states.items())),
        first_pass=len(clean) / len(ended) if ended else None,
        steps_posted=int(posted),
    )


# --- presentation ----------------------------------------------------------------------------

PLANT_COLUMNS = (
    "Plant",
    "Deployment latency p50 (s)",
    "p90 (s)",
    "First pass",
    "Changes by state",
    "ERP steps posted",
)


def plant_cells(row: PlantRow) -> list[str]:
    states = ", ".join(f"{state} {n}" for state, n in row.states.items())
    return [
        row.plant,
        _number(row.p50_seconds),
        _number(row.p90_seconds),
        _share(row.first_pass),
        states,
        f"{row.steps_posted:,}",
    ]


def totals(run: LoadRun) -> list[tuple[str, str]]:
    jobs_per_second = run.ecos_per_second * len(run.plants)
    return [
        ("ECOs streamed", f"{run.ecos} (+ the release), {run.changes} changes in all"),
        ("Wall time, first ECO sent → last job settled", f"{run.seconds:.1f} s"),
        ("Throughput", f"{run.ecos_per_second:.1f} ECOs/s ({jobs_per_second:.1f} plant jobs/s)"),
        ("First-pass sync rate (plmsync_first_pass_ratio)", _share(run.first_pass_ratio)),
        (
            "Manual touchpoints per change (plmsync_touchpoints_per_change)",
            _number(run.touchpoints_per_change, 2),
        ),
        ("Changes in use, last 24 h (plmsync_in_use_last_day)", _number(run.in_use_last_day, 0)),
        ("Plants past their SLA (plmsync_sla_overdue)", _number(run.sla_overdue, 0)),
        ("Dead letters open (plmsync_dead_letters_open)", _number(run.dead_letters, 0)),
    ]


def summary_table(run: LoadRun) -> Printable:
    per_plant = Table(title="ECO deployment per plant (from /metrics and /v1/changes)")
    for column in PLANT_COLUMNS:
        per_plant.add_column(column)
    for row in run.plants:
        per_plant.add_row(*plant_cells(row))
    overall = Table(title="The run")
    overall.add_column("Measure")
    overall.add_column("Value")
    for measure, value in totals(run):
        overall.add_row(measure, value)
    return Printable((per_plant, overall))


@dataclass(frozen=True)
class Printable:
    tables: tuple[Table, ...]

    def print(self) -> None:
        console = Console(width=140)
        for table in self.tables:
            console.print(table)


def markdown(run: LoadRun, shape: generator.Shape, command: str, machine: dict[str, str]) -> str:
    lines = [
        "# plmsync under load",
        "",
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC with `{command}` (`make load`).",
        "",
        f"A release of {shape.items:,} items and about {shape.lines:,} BOM lines (depth "
        f"{shape.depth}, substitutes, plant alternates, regional suppliers) is synced to "
        f"{len(shape.plants)} plants, then {run.ecos} generated ECOs are sent through "
        "`POST /v1/changes`, each at its PLM approval time, while `plmsync serve`'s workers "
        "sync the earlier ones. ERP targets are in memory: the figures are plmsync's own "
        "cost (API, validation, durable queue, planning, audit); `make bench` measures it "
        "against Tryton. Every figure is read back from the service (`/metrics`, "
        "`/v1/changes`). Deployment latency is PLM approval → in use at the plant; ECOs that "
        "cut over weeks later at some plants are `staged` there and not yet counted.",
        "",
        "## Per plant",
        "",
        "| " + " | ".join(PLANT_COLUMNS) + " |",
        "|" + "---|" * len(PLANT_COLUMNS),
        *("| " + " | ".join(plant_cells(row)) + " |" for row in run.plants),
        "",
        "## The run",
        "",
        "| Measure | Value |",
        "|---|---|",
        *(f"| {measure} | {value} |" for measure, value in totals(run)),
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in machine.items()),
    ]
    return "\n".join(lines) + "\n"


def _number(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"
