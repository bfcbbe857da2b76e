"""The Jinja2 environment of the dashboard: templates beside this module, autoescaped, with
the few filters the pages need to show times and durations the same way everywhere."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi.templating import Jinja2Templates

from plmsync.dashboard.matrix import TONE

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def when(value: dt.datetime | dt.date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


def hours(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 1:
        return f"{value * 60:.0f} min"
    return f"{value:.1f} h" if value < 48 else f"{value / 24:.1f} d"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def tone(state: object) -> str:
    return TONE.get(str(state), "muted")


templates.env.filters.update(when=when, hours=hours, percent=percent, tone=tone)
