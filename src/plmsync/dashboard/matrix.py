"""The changes list: one row per change, one column per plant, filtered and searched."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from plmsync.domain.sla import SlaPolicy, breaches
from plmsync.engine.facts import ChangeFacts, FactReader
from plmsync.engine.status import StatusRow, status_rows
from plmsync.ports.store import JobStore

# Colour classes of the states (the state's name is always shown too: colour is a hint).
TONE = {
    "succeeded": "ok",
    "staged": "info",
    "queued": "busy",
    "running": "busy",
    "retrying": "busy",
    "waiting_review": "attention",
    "dead": "bad",
    "skipped": "muted",
    "superseded": "muted",
    "cancelled": "muted",
}
ATTENTION = frozenset({"dead", "waiting_review", "retrying"})


@dataclass(frozen=True)
class Filters:
    q: str = ""
    plant: str = ""
    state: str = ""  # a job state, or "attention"

    def keeps(self, row: MatrixRow) -> bool:
        return self._matches_text(row) and any(self._matches_cell(p, s) for p, s in row.states)

    def _matches_text(self, row: MatrixRow) -> bool:
        text = self.q.strip().lower()
        return not text or text in row.number.lower() or text in row.title.lower()

    def _matches_cell(self, plant: str, state: str) -> bool:
        if self.plant and plant != self.plant:
            return False
        if self.state == "attention":
            return state in ATTENTION
        return not self.state or state == self.state


@dataclass
class MatrixRow:
    number: str
    facts: ChangeFacts | None
    cells: dict[str, StatusRow] = field(default_factory=dict)
    overdue: set[str] = field(default_factory=set)
    newest_job: int = 0

    @property
    def title(self) -> str:
        return self.facts.title if self.facts else ""

    @property
    def states(self) -> list[tuple[str, str]]:
        return [(plant, str(row.state)) for plant, row in self.cells.items()]


def matrix(
    store: JobStore, reader: FactReader, policy: SlaPolicy, now: dt.datetime, filters: Filters
) -> list[MatrixRow]:
    """Newest change first."""
    rows: dict[str, MatrixRow] = {}
    for status in status_rows(store):
        row = rows.setdefault(status.change, MatrixRow(status.change, reader.change(status.change)))
        row.cells[status.plant] = status
        row.newest_job = max(row.newest_job, status.job)
    for breach in breaches(policy, reader.clocks(), now):
        if breach.change in rows:
            rows[breach.change].overdue.add(breach.plant)
    ordered = sorted(rows.values(), key=lambda r: r.newest_job, reverse=True)
    return [row for row in ordered if filters.keeps(row)]
