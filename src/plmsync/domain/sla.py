"""Service levels: how long a released change may take to be in use at a plant.

A threshold applies to changes of a kind and/or a priority; the most specific one wins
(kind and priority, then priority, then kind, then the default). The clock of a plant starts
when the change was approved in PLM (when it was received, if the PLM sent no approval time),
or on its effective date for a plant that takes the change later: waiting for a date is by
design, not late. Pure: the engine feeds it facts it read from the store (engine/sla_watch).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

# A plant is done with a change once its job ended in one of these; anything else (queued,
# retrying, staged and due, waiting for review, dead) still keeps the change out of use.
SETTLED = frozenset({"succeeded", "superseded", "skipped", "cancelled"})


class Threshold(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str | None = Field(default=None, description="Change kind (eco, release, …); any.")
    priority: str | None = Field(default=None, description="low, normal, high, urgent; any.")
    hours: float = Field(gt=0, description="Approval → in use at each plant, at most.")

    def matches(self, kind: str, priority: str) -> bool:
        return self.kind in (None, kind) and self.priority in (None, priority)

    @property
    def specificity(self) -> int:
        return 2 * (self.priority is not None) + (self.kind is not None)


class SlaPolicy(BaseModel):
    """`sla:` in plmsync.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    default_hours: float = Field(default=48, gt=0, description="When no threshold matches.")
    thresholds: tuple[Threshold, ...] = Field(
        default=(
            Threshold(priority="urgent", hours=4),
            Threshold(priority="high", hours=24),
        ),
        description="Per change kind and/or priority; the most specific match wins.",
    )
    breach_webhook_url: str | None = Field(
        default=None, description="Also POST each breach here (Standard Webhooks signed)."
    )
    breach_webhook_secret_env: str | None = Field(
        default=None, description="Environment variable holding that webhook's whsec_ secret."
    )
    check_every_seconds: float = Field(
        default=60, gt=0, description="How often `plmsync serve` looks for new breaches."
    )

    def allowed(self, kind: str, priority: str) -> dt.timedelta:
        found = [t for t in self.thresholds if t.matches(kind, priority)]
        best = max(found, key=lambda t: t.specificity, default=None)
        return dt.timedelta(hours=best.hours if best else self.default_hours)


@dataclass(frozen=True)
class PlantClock:
    """What the SLA needs to know of one change at one plant."""

    change: str
    plant: str
    job: int
    state: str
    kind: str
    priority: str
    approved_at: dt.datetime  # or received, when PLM sent no approval time
    effective_from: dt.date | None = None
    settled_at: dt.datetime | None = None  # when the job ended settled

    @property
    def started(self) -> dt.datetime:
        if self.effective_from is None:
            return self.approved_at
        cut_over = dt.datetime.combine(self.effective_from, dt.time(), tzinfo=dt.UTC)
        return max(self.approved_at, cut_over)

    @property
    def settled(self) -> bool:
        return self.state in SETTLED


@dataclass(frozen=True)
class Breach:
    clock: PlantClock
    due: dt.datetime
    overdue: dt.timedelta

    @property
    def change(self) -> str:
        return self.clock.change

    @property
    def plant(self) -> str:
        return self.clock.plant

    def facts(self) -> dict[str, object]:
        """The breach as plain JSON values: audited, logged and sent to webhooks alike."""
        clock = self.clock
        return {
            "change": clock.change,
            "plant": clock.plant,
            "job": clock.job,
            "state": clock.state,
            "kind": clock.kind,
            "priority": clock.priority,
            "due": self.due.isoformat(),
            "overdue_hours": round(self.overdue.total_seconds() / 3600, 2),
        }


def due_at(policy: SlaPolicy, clock: PlantClock) -> dt.datetime:
    return clock.started + policy.allowed(clock.kind, clock.priority)


def breaches(policy: SlaPolicy, clocks: Iterable[PlantClock], now: dt.datetime) -> list[Breach]:
    """Plants still waiting for a change past its threshold, most overdue first."""
    found = [
        Breach(clock, due, now - due)
        for clock in clocks
        if not clock.settled and now > (due := due_at(policy, clock))
    ]
    return sorted(found, key=lambda b: b.overdue, reverse=True)


def oldest_pending(clocks: Sequence[PlantClock], now: dt.datetime) -> dict[str, PlantClock]:
    """Per plant, the change that has waited longest (and has started waiting by now)."""
    oldest: dict[str, PlantClock] = {}
    for clock in clocks:
        if clock.settled or clock.started > now:
            continue
        held = oldest.get(clock.plant)
        if held is None or clock.started < held.started:
            oldest[clock.plant] = clock
    return dict(sorted(oldest.items()))
