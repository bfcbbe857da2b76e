"""The integration's KPIs, from what happened to each change at each plant.

- ECO deployment latency: PLM approval → the change in use at the plant (its job succeeded),
  p50 and p90 per plant, in hours;
- first-pass sync rate: of the changes that reached an outcome at a plant, the share that got
  there in one attempt with nobody stepping in (no review, no retry, no replay);
- manual touchpoints per change: review tasks + dead-letter replays + manual activations;
- throughput: changes in use per day; retries; dead-letter depth.

Pure: `engine/facts.py` reads the store into `Deployment`s.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

HOUR = 3600.0
# A deployment has an outcome once it is in use, or once it needs a person to go on.
OUTCOMES = frozenset({"succeeded", "dead", "waiting_review"})


@dataclass(frozen=True)
class Deployment:
    """One change at one plant, across every job it took (a replay adds a job)."""

    change: str
    plant: str
    approved_at: dt.datetime
    state: str  # of its latest job
    jobs: int = 1
    attempts: int = 0
    reviewed: bool = False
    in_use_at: dt.datetime | None = None

    @property
    def latency_hours(self) -> float | None:
        if self.in_use_at is None:
            return None
        return max(0.0, (self.in_use_at - self.approved_at).total_seconds() / HOUR)

    @property
    def first_pass(self) -> bool:
        clean = self.jobs == 1 and self.attempts <= 1 and not self.reviewed
        return self.state == "succeeded" and clean

    @property
    def retries(self) -> int:
        return max(0, self.attempts - self.jobs)


@dataclass(frozen=True)
class Latency:
    count: int
    p50: float | None
    p90: float | None


@dataclass(frozen=True)
class DayPoint:
    day: dt.date
    in_use: int
    p50_hours: float | None


@dataclass(frozen=True)
class Kpis:
    latency: dict[str, Latency]  # per plant, plus "all"
    first_pass_rate: float | None
    touchpoints_per_change: float | None
    in_use_last_24h: int
    retries: int
    dead_letter_depth: int
    series: list[DayPoint]


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile: a value that was really observed, never an interpolation."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def latency(deployments: Iterable[Deployment]) -> Latency:
    hours = [h for d in deployments if (h := d.latency_hours) is not None]
    return Latency(len(hours), percentile(hours, 50), percentile(hours, 90))


def latency_by_plant(deployments: Sequence[Deployment]) -> dict[str, Latency]:
    plants = sorted({d.plant for d in deployments})
    found = {plant: latency(d for d in deployments if d.plant == plant) for plant in plants}
    return {**found, "all": latency(deployments)}


def first_pass_rate(deployments: Iterable[Deployment]) -> float | None:
    ended = [d for d in deployments if d.state in OUTCOMES]
    return sum(d.first_pass for d in ended) / len(ended) if ended else None


def touchpoints_per_change(touchpoints: Mapping[str, int], changes: Iterable[str]) -> float | None:
    """Mean over every change, counting those nobody had to touch as zero."""
    numbers = set(changes)
    return sum(touchpoints.get(n, 0) for n in numbers) / len(numbers) if numbers else None


def daily(deployments: Sequence[Deployment], today: dt.date, days: int = 14) -> list[DayPoint]:
    """Changes put in use per day (UTC) over the last `days`, with that day's p50 latency."""
    points = []
    for offset in range(days - 1, -1, -1):
        day = today - dt.timedelta(days=offset)
        done = [d for d in deployments if d.in_use_at and d.in_use_at.date() == day]
        points.append(DayPoint(day, len(done), latency(done).p50))
    return points


def kpis(
    deployments: Sequence[Deployment],
    touchpoints: Mapping[str, int],
    dead_letter_depth: int,
    now: dt.datetime,
) -> Kpis:
    recent = now - dt.timedelta(hours=24)
    return Kpis(
        latency=latency_by_plant(deployments),
        first_pass_rate=first_pass_rate(deployments),
        touchpoints_per_change=touchpoints_per_change(touchpoints, (d.change for d in deployments)),
        in_use_last_24h=sum(1 for d in deployments if d.in_use_at and d.in_use_at > recent),
        retries=sum(d.retries for d in deployments),
        dead_letter_depth=dead_letter_depth,
        series=daily(deployments, now.date()),
    )
