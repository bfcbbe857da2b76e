"""Small builders shared by the store tests."""

from __future__ import annotations

import datetime as dt
import json

from plmsync.engine.model import Job
from plmsync.persistence import SqlStore
from plmsync.ports.store import NewJob, Received

LEASE = dt.timedelta(seconds=30)


def payload(change: str, revision: str = "A") -> bytes:
    return json.dumps({"change": change, "revision": revision}).encode()


def receive(
    store: SqlStore,
    change: str = "ECO-1",
    *plants: str,
    event_id: str | None = None,
    raw: bytes | None = None,
    effective_from: dt.date | None = None,
) -> Received:
    return store.receive(
        payload(change) if raw is None else raw,
        event_id=event_id or f"evt-{change}",
        source_system="windchill",
        change_number=change,
        jobs=[NewJob(plant, effective_from) for plant in plants or ("US01",)],
    )


def enqueue(store: SqlStore, count: int, plant: str = "US01") -> list[Job]:
    """`count` changes of one job each, oldest first."""
    return [receive(store, f"ECO-{n:04d}", plant).jobs[0] for n in range(count)]
