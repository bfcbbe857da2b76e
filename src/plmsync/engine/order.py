"""Arrival order: a change waits while an earlier change for any of its plants is in flight.

Without it, a second worker thread could plan ECO-2 while the release that introduces its
components is still being posted: validation would read an ERP without them and dead-letter
a perfectly good change. Changes of a plant therefore run in the order they arrived; the
jobs of one event (one per plant) never wait for each other, staged, dead and finished jobs
never hold anyone up, and the revision guard still decides what a late older revision does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from plmsync.engine.model import Job, JobState
from plmsync.ports.store import JobStore

IN_FLIGHT = (JobState.QUEUED, JobState.RETRYING, JobState.RUNNING)


def earlier_in_flight(store: JobStore, job: Job, plants: Collection[str]) -> Job | None:
    """The oldest job of another, earlier event for one of `plants` not yet settled."""
    for other in store.jobs(states=IN_FLIGHT):
        if other.id < job.id and other.event != job.event and other.plant in plants:
            return other
    return None


def wait_until(blocker: Job, now: dt.datetime, poll: dt.timedelta) -> dt.datetime:
    """Not before the blocker's own next attempt: polling sooner could not find it done."""
    soonest = now + poll
    return max(soonest, blocker.run_after) if blocker.run_after else soonest
