"""What the SLA clocks and the KPIs need, read from the store in a few queries.

A change's kind, priority and approval time come from its latest accepted package (the PLM's
word); when the PLM sent no approval time, the time plmsync received it stands in. Packages
are immutable once stored, so each is parsed once per reader (`FactReader` caches them).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from plmsync.domain.kpis import Deployment
from plmsync.domain.sla import PlantClock
from plmsync.engine.model import EventStatus, InboxEvent, Job, JobState
from plmsync.ports.store import JobStore


@dataclass(frozen=True)
class ChangeFacts:
    number: str
    kind: str
    priority: str
    title: str
    approved_at: dt.datetime


class FactReader:
    def __init__(self, store: JobStore):
        self.store = store
        self._changes: dict[int, ChangeFacts] = {}  # by inbox event id

    def change(self, number: str) -> ChangeFacts | None:
        accepted = [e for e in self.store.events_for(number) if e.status == EventStatus.ACCEPTED]
        if not accepted:
            return None
        latest = accepted[-1]
        if latest.id not in self._changes:
            self._changes[latest.id] = self._read(latest)
        return self._changes[latest.id]

    def _read(self, event: InboxEvent) -> ChangeFacts:
        change: dict[str, Any] = json.loads(self.store.raw_payload(event.id)).get("change", {})
        approved = _aware(change.get("approved_at")) or event.received_at
        return ChangeFacts(
            number=event.change_number,
            kind=str(change.get("kind", "")),
            priority=str(change.get("priority", "normal")),
            title=str(change.get("title", "")),
            approved_at=approved,
        )

    def clocks(self, jobs: Sequence[Job] | None = None) -> list[PlantClock]:
        """One clock per change and plant: its latest job (a replay replaces a dead one)."""
        latest: dict[tuple[str, str], Job] = {}
        for job in jobs if jobs is not None else self.store.jobs():
            latest[(job.change_number, job.plant)] = job
        return [c for job in latest.values() if (c := self._clock(job)) is not None]

    def _clock(self, job: Job) -> PlantClock | None:
        facts = self.change(job.change_number)
        if facts is None:
            return None
        return PlantClock(
            change=job.change_number,
            plant=job.plant,
            job=job.id,
            state=str(job.state),
            kind=facts.kind,
            priority=facts.priority,
            approved_at=facts.approved_at,
            effective_from=job.effective_from,
            settled_at=job.updated_at if JobState(job.state).terminal else None,
        )

    def deployments(self, jobs: Sequence[Job] | None = None) -> list[Deployment]:
        jobs = jobs if jobs is not None else self.store.jobs()
        reviewed = {task.job for task in self.store.review_tasks()}
        grouped: dict[tuple[str, str], list[Job]] = {}
        for job in jobs:
            grouped.setdefault((job.change_number, job.plant), []).append(job)
        found = [
            _deployment(self.change(key[0]), group, reviewed) for key, group in grouped.items()
        ]
        return [d for d in found if d is not None]


def _deployment(
    facts: ChangeFacts | None, jobs: list[Job], reviewed: set[int]
) -> Deployment | None:
    if facts is None:
        return None
    last = jobs[-1]
    succeeded = last.state == JobState.SUCCEEDED
    return Deployment(
        change=last.change_number,
        plant=last.plant,
        approved_at=facts.approved_at,
        state=str(last.state),
        jobs=len(jobs),
        attempts=sum(job.attempts for job in jobs),
        reviewed=any(job.id in reviewed for job in jobs),
        in_use_at=last.updated_at if succeeded else None,
    )


def _aware(text: object) -> dt.datetime | None:
    if not isinstance(text, str):
        return None
    try:
        found = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return found if found.tzinfo else None
