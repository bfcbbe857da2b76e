"""Engines for the two dialects the store speaks.

SQLite (embedded, one file): WAL so readers never wait for the writer, `synchronous=FULL`
so a committed transaction survives a power cut, a busy timeout, foreign keys on. pysqlite's
own transaction handling is switched off (it would BEGIN lazily, as DEFERRED, on the first
write): SQLAlchemy's `begin` event emits the BEGIN itself, and a connection marked with
`WRITE` begins with `BEGIN IMMEDIATE`, taking the write lock up front. Concurrent writers
from several processes then queue on the busy timeout instead of failing half way with
"database is locked" when a read lock cannot be upgraded. Reads begin DEFERRED and see one
consistent snapshot without blocking anyone.

PostgreSQL (`postgresql+psycopg://…`): READ COMMITTED; the store locks rows with
`FOR UPDATE [SKIP LOCKED]` where it must. A pooled connection that sat idle is pinged
before use, so one dropped by a server restart is replaced instead of failing a request;
one used within the last `PING_IDLE_AFTER_S` is not (see `_ping_when_idle`).
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.pool import StaticPool

from plmsync.persistence.canonical import dumps

# Execution options of a write transaction (see `writer`).
WRITE: dict[str, Any] = {"plmsync_begin": "BEGIN IMMEDIATE"}
BUSY_TIMEOUT_S = 30.0
# A pooled PostgreSQL connection idle for longer than this is pinged before it is used.
PING_IDLE_AFTER_S = 1.0


def make_url(url: str | Path | sa.URL) -> sa.URL:
    """A SQLAlchemy URL from what an operator writes: a URL, or a plain path to a SQLite file.
    `postgresql://` (no driver) means psycopg 3, the driver plmsync ships with."""
    if isinstance(url, sa.URL):
        parsed = url
    elif isinstance(url, Path) or "://" not in url:
        return sa.URL.create("sqlite", database=str(Path(url).expanduser().resolve()))
    else:
        parsed = sa.make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def is_sqlite(url: sa.URL) -> bool:
    return url.get_backend_name() == "sqlite"


def is_sqlite_memory(url: sa.URL) -> bool:
    return is_sqlite(url) and url.database in (None, "", ":memory:")


def create_engine(url: str | Path | sa.URL, *, busy_timeout: float = BUSY_TIMEOUT_S) -> sa.Engine:
    parsed = make_url(url)
    if is_sqlite(parsed):
        return _sqlite_engine(parsed, busy_timeout)
    engine = sa.create_engine(parsed, json_serializer=dumps)
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: sa.Engine) -> None:
    """SQLAlchemy's `pool_pre_ping`, but only for connections idle for a while. A worker
    checks a connection out twice per job; pinging every time cost a round trip each, about
    15 % of the queue's throughput on PostgreSQL (bench/queue_bench.py), while a connection
    used a moment ago is as alive as a ping would show. Raising DisconnectionError from a
    checkout handler is SQLAlchemy's documented way to have the pool replace a connection."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_IDLE_AFTER_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise sa.exc.DisconnectionError("pooled connection was closed") from error


def writer(engine: sa.Engine) -> sa.Engine:
    """The same engine (same pool) whose transactions take the write lock when they begin."""
    return engine.execution_options(**WRITE)


def _sqlite_engine(url: sa.URL, busy_timeout: float) -> sa.Engine:
    memory = is_sqlite_memory(url)
    if memory:  # one shared connection, or every connection would see its own empty database
        engine = sa.create_engine(
            url,
            poolclass=StaticPool,
            connect_args={"check_same_thread": False},
            json_serializer=dumps,
        )
    else:
        engine = sa.create_engine(
            url, connect_args={"timeout": busy_timeout}, json_serializer=dumps
        )
    _install_sqlite_hooks(engine, busy_timeout, wal=not memory)
    return engine


def _enable_wal(cursor: Any, attempts: int = 50) -> None:
    """WAL is a property of the file, set once. Switching to it takes an exclusive lock that
    SQLite does not wait for (busy_timeout does not apply), so processes opening a new file at
    the same moment may be refused: retry briefly; whoever wins, the file ends up in WAL."""
    for attempt in range(attempts):
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                return
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.02 * (attempt + 1))


def _install_sqlite_hooks(engine: sa.Engine, busy_timeout: float, *, wal: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # autocommit: SQLAlchemy emits BEGIN itself
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            if wal:
                _enable_wal(cursor)
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql(connection.get_execution_options().get("plmsync_begin", "BEGIN"))
