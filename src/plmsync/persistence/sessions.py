"""Limits on a worker's PostgreSQL sessions, so another client cannot stall it unboundedly.

A transaction elsewhere that holds row locks and sits idle (an operator's `psql` left in
BEGIN, a report that locked rows) would make a worker's UPDATE wait for as long as it lives:
its heartbeat would hang and, with it, the job and the worker. With `lock_timeout` the
statement gives up instead; the engine treats that like any failed store call (the loop turns
again, the job is retried or reclaimed later) and the worker goes on with other jobs.
`statement_timeout` bounds any one statement; `idle_in_transaction_session_timeout` makes the
server end a worker's own session if it ever stays idle inside a transaction (a bug, a
debugger), so the worker cannot be the one stalling others.

Limits already in the URL (`?options=-c lock_timeout=…`) win: the operator's word is final.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from plmsync.persistence.database import make_url


@dataclass(frozen=True)
class SessionLimits:
    lock_timeout_ms: int = 5_000
    statement_timeout_ms: int = 60_000
    idle_in_transaction_ms: int = 30_000
    application_name: str = "plmsync-worker"

    def settings(self) -> dict[str, str]:
        return {
            "lock_timeout": str(self.lock_timeout_ms),
            "statement_timeout": str(self.statement_timeout_ms),
            "idle_in_transaction_session_timeout": str(self.idle_in_transaction_ms),
        }


def limited_url(url: str, limits: SessionLimits | None = None) -> str:
    """`url` with the limits as libpq session options (PostgreSQL only; SQLite is returned
    unchanged, its one writer at a time already bounded by the busy timeout)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return url
    limits = limits or SessionLimits()
    query = dict(parsed.query)
    given = str(query.get("options", ""))
    extra = [f"-c {name}={value}" for name, value in limits.settings().items() if name not in given]
    query["options"] = " ".join(part for part in (given, *extra) if part)
    query.setdefault("application_name", limits.application_name)
    limited: sa.URL = parsed.set(query=query)
    return limited.render_as_string(hide_password=False)
