"""A small bar chart of the KPI series as inline SVG geometry (no JavaScript, no build step):
bars for changes put in use per day, a polyline for that day's p50 latency."""

from __future__ import annotations

from dataclasses import dataclass

from plmsync.domain.kpis import DayPoint

WIDTH = 560
HEIGHT = 140
PAD = 20


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    latency_points: str  # "x,y x,y …" for an SVG polyline
    max_count: int
    max_hours: float
    width: int = WIDTH
    height: int = HEIGHT


def chart(series: list[DayPoint]) -> Chart:
    slot = (WIDTH - 2 * PAD) / max(1, len(series))
    top = max((p.in_use for p in series), default=0) or 1
    hours = max((p.p50_hours or 0.0 for p in series), default=0.0) or 1.0
    usable = HEIGHT - 2 * PAD
    bars = [
        Bar(
            x=PAD + i * slot + slot * 0.15,
            y=HEIGHT - PAD - usable * p.in_use / top,
            width=slot * 0.7,
            height=usable * p.in_use / top,
            label=p.day.isoformat(),
            value=p.in_use,
        )
        for i, p in enumerate(series)
    ]
    points = " ".join(
        f"{PAD + (i + 0.5) * slot:.1f},{HEIGHT - PAD - usable * p.p50_hours / hours:.1f}"
        for i, p in enumerate(series)
        if p.p50_hours is not None
    )
    return Chart(bars, points, top, hours)
