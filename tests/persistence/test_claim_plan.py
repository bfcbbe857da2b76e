"""A claim reads only claimable jobs: its plan uses the partial index `ix_jobs_claimable`,
whose predicate names exactly the states `JobState.claimable` names, so finished history
does not slow claims down."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from plmsync.engine.model import JobState
from plmsync.persistence import SqlStore
from plmsync.persistence.jobs import _NEXT, _NEXT_SQLITE
from plmsync.persistence.tables import CLAIMABLE
from tests.persistence.conftest import FakeClock
from tests.persistence.helpers import enqueue

LEASE = dt.timedelta(minutes=5)


def test_the_index_predicate_names_the_claimable_states() -> None:
    named = set(re.findall(r"'(\w+)'", CLAIMABLE))
    assert named == {state.value for state in JobState if state.claimable}


def test_a_claim_uses_the_claimable_index_past_a_finished_history(
    store: SqlStore, clock: FakeClock
) -> None:
    enqueue(store, 300)
    for _ in range(250):  # most of the queue is history now
        job = store.claim("w", clock.now, LEASE)
        assert job is not None
        store.transition(job.id, JobState.SUCCEEDED, worker="w")
    plan = _explain(store, clock)
    assert "ix_jobs_claimable" in plan, plan
    assert store.claim("w", clock.now, LEASE) is not None


def _explain(store: SqlStore, clock: FakeClock) -> str:
    """The database's plan for the claim's pick of the next job, as text."""
    statement = _NEXT_SQLITE if store.dialect == "sqlite" else _NEXT
    compiled = statement.compile(dialect=store.engine.dialect)
    values = compiled.construct_params({"now": clock.now.isoformat()})
    parameters: Any = values
    if compiled.positiontup is not None:  # SQLite: `?` placeholders
        parameters = tuple(values[name] for name in compiled.positiontup)
    prefix = "EXPLAIN QUERY PLAN " if store.dialect == "sqlite" else "EXPLAIN "
    with store.engine.connect() as connection:
        if store.dialect == "postgresql":
            connection.exec_driver_sql("ANALYZE jobs")
        found = connection.exec_driver_sql(prefix + str(compiled), parameters).all()
    return "\n".join(str(row[-1]) for row in found)
