"""SLA thresholds and breaches, and the KPI arithmetic, on hand-made facts."""

from __future__ import annotations

import datetime as dt

import pytest

from plmsync.domain.kpis import Deployment, daily, first_pass_rate, kpis, percentile
from plmsync.domain.sla import PlantClock, SlaPolicy, Threshold, breaches, due_at, oldest_pending

T0 = dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC)
POLICY = SlaPolicy(
    default_hours=48,
    thresholds=(
        Threshold(priority="urgent", hours=4),
        Threshold(kind="eco", hours=24),
        Threshold(kind="eco", priority="urgent", hours=2),
    ),
)


def clock(
    state: str = "queued", *, plant: str = "US01", job: int = 1, **fields: object
) -> PlantClock:
    values: dict[str, object] = {
        "change": f"ECO-{job}",
        "plant": plant,
        "job": job,
        "state": state,
        "kind": "eco",
        "priority": "normal",
        "approved_at": T0,
    }
    return PlantClock(**{**values, **fields})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "priority", "hours"),
    [("eco", "urgent", 2), ("release", "urgent", 4), ("eco", "normal", 24), ("release", "low", 48)],
)
def test_the_most_specific_threshold_wins(kind: str, priority: str, hours: int) -> None:
    assert POLICY.allowed(kind, priority) == dt.timedelta(hours=hours)


def test_only_unsettled_plants_past_due_breach_most_overdue_first() -> None:
    clocks = [
        clock("queued", job=1),  # eco normal: due T0+24h
        clock("dead", job=2, priority="urgent"),  # due T0+2h
        clock("succeeded", job=3, priority="urgent"),  # settled: never a breach
        clock("retrying", job=4, kind="release"),  # due T0+48h: not yet
    ]
    found = breaches(POLICY, clocks, T0 + dt.timedelta(hours=30))
    assert [b.clock.job for b in found] == [2, 1]
    assert found[0].overdue == dt.timedelta(hours=28)


def test_a_plant_cutting_over_later_starts_its_clock_on_its_date() -> None:
    later = clock("staged", effective_from=dt.date(2026, 6, 20))
    assert due_at(POLICY, later) == dt.datetime(2026, 6, 21, tzinfo=dt.UTC)
    assert breaches(POLICY, [later], T0 + dt.timedelta(days=5)) == []
    assert oldest_pending([later], T0 + dt.timedelta(days=5)) == {}


def test_oldest_pending_per_plant() -> None:
    older = clock(job=1, approved_at=T0 - dt.timedelta(hours=5))
    newer = clock(job=2)
    other = clock(job=3, plant="DE01")
    found = oldest_pending([newer, older, other, clock("succeeded", job=4)], T0)
    assert {plant: c.job for plant, c in found.items()} == {"DE01": 3, "US01": 1}


def deployment(hours: float | None, state: str = "succeeded", **fields: object) -> Deployment:
    in_use = T0 + dt.timedelta(hours=hours) if hours is not None else None
    values: dict[str, object] = {
        "change": "ECO-1",
        "plant": "US01",
        "approved_at": T0,
        "state": state,
        "attempts": 1,
        "in_use_at": in_use,
    }
    return Deployment(**{**values, **fields})  # type: ignore[arg-type]


def test_percentile_is_nearest_rank() -> None:
    values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]
    assert (percentile(values, 50), percentile(values, 90), percentile([], 50)) == (5.0, 9.0, None)


def test_first_pass_counts_only_clean_outcomes() -> None:
    found = [
        deployment(1),  # clean
        deployment(2, attempts=3),  # retried
        deployment(3, reviewed=True),  # a person approved it
        deployment(4, jobs=2, attempts=2),  # replayed after a dead letter
        deployment(None, state="dead"),
        deployment(None, state="queued"),  # no outcome yet: not counted
    ]
    assert first_pass_rate(found) == pytest.approx(1 / 5)
    assert first_pass_rate([deployment(None, state="staged")]) is None


def test_kpis_per_plant_touchpoints_and_series() -> None:
    found = [
        deployment(2, change="A"),
        deployment(10, change="B"),
        deployment(30, change="C", plant="DE01", attempts=3),
    ]
    now = T0 + dt.timedelta(hours=31)
    result = kpis(found, {"B": 2, "C": 1}, 4, now)
    assert (result.latency["US01"].p50, result.latency["US01"].p90) == (2.0, 10.0)
    assert result.latency["all"].count == 3
    assert result.touchpoints_per_change == pytest.approx(1.0)  # (0 + 2 + 1) / 3
    assert (result.retries, result.dead_letter_depth, result.in_use_last_24h) == (2, 4, 2)
    days = {p.day: p.in_use for p in daily(found, now.date(), days=3)}
    assert days == {dt.date(2026, 5, 31): 0, dt.date(2026, 6, 1): 2, dt.date(2026, 6, 2): 1}
