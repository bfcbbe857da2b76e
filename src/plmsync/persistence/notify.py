"""Wake idle workers on PostgreSQL: NOTIFY when a job becomes claimable, LISTEN while idle.

The NOTIFY is sent on the connection that inserted the job (or moved it back to queued or
retrying), inside that transaction: PostgreSQL delivers it only when the transaction commits
and drops it on rollback, so a woken worker always finds the job committed, and a rolled-back
enqueue wakes nobody. Notifications are hints, never the queue: a worker that missed one
(it was busy, its LISTEN connection dropped) still polls every `engine.poll_seconds`.
SQLite has no NOTIFY; its workers simply poll.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
import time
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, ExecutionContext

from plmsync.engine.model import JobState
from plmsync.persistence.tables import jobs

log = logging.getLogger(__name__)

CHANNEL = "plmsync_jobs"
_CLAIMABLE = frozenset(state.value for state in JobState if state.claimable)
# How long one wait on the LISTEN socket lasts before the stop signal is looked at again.
_STOP_CHECK_S = 0.25
# After the LISTEN connection failed, how long to poll before trying to reconnect.
_RECONNECT_AFTER_S = 1.0


def notify_on_enqueue(engine: sa.Engine) -> None:
    """Make every transaction on `engine` that makes a job claimable send a NOTIFY."""

    @event.listens_for(engine, "after_cursor_execute")
    def _after(
        _connection: Connection,
        cursor: Any,
        _statement: str,
        _parameters: Any,
        context: ExecutionContext | None,
        _executemany: bool,
    ) -> None:
        if context is not None and _makes_claimable(context):
            # A new cursor on the same DBAPI connection: same transaction, and the statement
            # that triggered this keeps its own results.
            cursor.connection.execute(f"NOTIFY {CHANNEL}")


def _makes_claimable(context: ExecutionContext) -> bool:
    compiled = getattr(context, "compiled", None)
    statement = getattr(compiled, "statement", None)
    if isinstance(statement, sa.Insert):
        return statement.table is jobs
    if isinstance(statement, sa.Update) and statement.table is jobs:
        parameters = getattr(context, "compiled_parameters", None) or []
        return any(_claimable_now(p) for p in parameters)
    return False


def _claimable_now(values: dict[str, Any]) -> bool:
    """Queued, or retrying and due already. A job that waits (run_after ahead) wakes nobody:
    the workers' own sleep ends when the earliest retry is due, and a wake-up now would only
    have them claim it too early, over and over."""
    if values.get("state") not in _CLAIMABLE:
        return False
    due = values.get("run_after")
    return not isinstance(due, dt.datetime) or due <= dt.datetime.now(dt.UTC)


class JobListener:
    """A worker's LISTEN connection. `wait` returns when a job was enqueued, `stop` is set or
    `seconds` passed, whichever comes first; it never raises (a lost connection falls back to
    sleeping, and is opened again on a later wait)."""

    def __init__(self, url: sa.URL):
        # Keyword arguments, not a URI: libpq would not decode the `+` SQLAlchemy renders
        # for the spaces of `options=-c lock_timeout=…`.
        self._connect_args: dict[str, Any] = {
            **url.translate_connect_args(username="user", database="dbname"),
            **url.query,
        }
        self._connection: psycopg.Connection[Any] | None = None
        self._down_until = 0.0

    def wait(self, seconds: float, stop: threading.Event) -> None:
        deadline = time.monotonic() + max(0.0, seconds)
        while not stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            if self._notified(min(remaining, _STOP_CHECK_S)):
                return

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _notified(self, seconds: float) -> bool:
        connection = self._listening()
        if connection is None:
            time.sleep(seconds)
            return False
        try:
            return any(True for _ in connection.notifies(timeout=seconds, stop_after=1))
        except psycopg.Error:
            self._lost()
            return False

    def _listening(self) -> psycopg.Connection[Any] | None:
        if self._connection is not None:
            return self._connection
        if time.monotonic() < self._down_until:
            return None
        try:
            connection = psycopg.connect(**self._connect_args, autocommit=True, connect_timeout=5)
            connection.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error as error:
            log.warning("LISTEN %s failed (%s); polling until it works again", CHANNEL, error)
            self._lost()
            return None
        self._connection = connection
        return connection

    def _lost(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(psycopg.Error):
                self._connection.close()
        self._connection = None
        self._down_until = time.monotonic() + _RECONNECT_AFTER_S
