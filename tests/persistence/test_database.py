"""Engines: SQLite pragmas, write transactions that lock when they begin, URL forms,
timestamps that come back aware and in UTC."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from plmsync.engine.model import JobState
from plmsync.persistence import SqlStore
from plmsync.persistence.database import create_engine, make_url, writer
from plmsync.persistence.tables import jobs

from .conftest import FakeClock
from .helpers import LEASE, enqueue

TOKYO = dt.timezone(dt.timedelta(hours=9))


def pragma(engine: sa.Engine, name: str) -> object:
    with engine.connect() as connection:
        return connection.exec_driver_sql(f"PRAGMA {name}").scalar()


def test_sqlite_files_run_in_wal_with_full_sync_and_foreign_keys(tmp_path: Path) -> None:
    engine = create_engine(tmp_path / "s.sqlite", busy_timeout=4.5)
    try:
        assert pragma(engine, "journal_mode") == "wal"
        assert pragma(engine, "synchronous") == 2  # FULL
        assert pragma(engine, "foreign_keys") == 1
        assert pragma(engine, "busy_timeout") == 4500
    finally:
        engine.dispose()


def _try_to_write(path: Path) -> str:
    """What a second, impatient writer sees: 'ok' or SQLite's error."""
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return "ok"
    except sqlite3.OperationalError as error:
        return str(error)
    finally:
        other.close()


def test_a_write_transaction_holds_the_write_lock_from_its_begin(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    engine = create_engine(path)
    try:
        with writer(engine).begin():  # no statement yet: the lock is taken by BEGIN itself
            assert _try_to_write(path) == "database is locked"
        assert _try_to_write(path) == "ok"
    finally:
        engine.dispose()


def test_a_read_transaction_blocks_no_writer(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    engine = create_engine(path)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("SELECT 1")
            assert _try_to_write(path) == "ok"
    finally:
        engine.dispose()


def test_writers_wait_for_each_other_instead_of_failing(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    first, second = create_engine(path), create_engine(path, busy_timeout=10)
    try:
        with writer(first).begin() as connection:
            connection.exec_driver_sql("CREATE TABLE t (x)")
        import threading

        done = threading.Event()

        def write_later() -> None:
            with writer(second).begin() as connection:
                connection.exec_driver_sql("INSERT INTO t VALUES (2)")
            done.set()

        with writer(first).begin() as connection:
            connection.exec_driver_sql("INSERT INTO t VALUES (1)")
            thread = threading.Thread(target=write_later)
            thread.start()
            assert not done.wait(0.2)  # queued behind the open transaction
        thread.join(10)
        assert done.is_set()
        with first.connect() as connection:
            assert connection.exec_driver_sql("SELECT x FROM t ORDER BY x").scalars().all() == [
                1,
                2,
            ]
    finally:
        first.dispose()
        second.dispose()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@db:5432/plmsync", "postgresql+psycopg://u@db:5432/plmsync"),
        ("postgres://u@db/plmsync", "postgresql+psycopg://u@db/plmsync"),
        ("postgresql+psycopg://u@db/plmsync", "postgresql+psycopg://u@db/plmsync"),
        ("sqlite:////var/lib/plmsync/state.sqlite", "sqlite:////var/lib/plmsync/state.sqlite"),
        ("sqlite://", "sqlite://"),
    ],
)
def test_url_forms(given: str, expected: str) -> None:
    assert make_url(given).render_as_string(hide_password=False) == expected


def test_a_plain_path_is_a_sqlite_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    url = make_url("state/plmsync.sqlite")
    assert url.get_backend_name() == "sqlite"
    assert url.database == str(tmp_path / "state" / "plmsync.sqlite")
    assert make_url(tmp_path / "x.sqlite").database == str(tmp_path / "x.sqlite")


def test_a_store_on_a_new_sqlite_file_migrates_itself(tmp_path: Path) -> None:
    with SqlStore(tmp_path / "new.sqlite") as store:
        assert store.jobs() == []
        assert "SqlStore('sqlite:///" in repr(store)


def test_an_in_memory_store_works_for_quick_tests() -> None:
    with SqlStore("sqlite://") as store:
        [job] = enqueue(store, 1)
        assert store.job(job.id).state is JobState.QUEUED


def test_times_come_back_aware_and_in_utc(store: SqlStore) -> None:
    enqueue(store, 1)
    now = dt.datetime(2026, 3, 2, 17, 0, tzinfo=TOKYO)
    claimed = store.claim("w1", now, LEASE)
    assert claimed is not None
    expires = claimed.lease_expires_at
    assert expires is not None
    assert expires.tzinfo == dt.UTC
    assert expires == now + LEASE
    assert expires.hour == 8
    assert all(t.tzinfo == dt.UTC for t in (claimed.created_at, claimed.updated_at) if t)


def test_naive_datetimes_are_refused(store: SqlStore) -> None:
    enqueue(store, 1)
    with pytest.raises(sa.exc.StatementError, match="timezone-aware"):
        store.claim("w1", dt.datetime(2026, 3, 2, 8, 0), LEASE)


def test_a_naive_clock_is_refused(tmp_path: Path) -> None:
    naive = SqlStore(tmp_path / "s.sqlite", clock=lambda: dt.datetime(2026, 1, 1))
    with naive as store, pytest.raises(ValueError, match="timezone-aware"):
        enqueue(store, 1)


def test_comparisons_in_sql_respect_time_zones(store: SqlStore, clock: FakeClock) -> None:
    [job] = enqueue(store, 1)
    store.claim("w1", clock.now, LEASE)
    expires_in_tokyo = (clock.now + LEASE).astimezone(TOKYO)
    assert store.reclaim_expired(expires_in_tokyo) == []
    assert len(store.reclaim_expired(expires_in_tokyo + dt.timedelta(microseconds=1))) == 1
    with store.engine.connect() as connection:
        stored = connection.execute(sa.select(jobs.c.run_after)).scalar_one()
    assert stored == clock.now + LEASE + dt.timedelta(microseconds=1)
    assert job.id == store.jobs()[0].id


@pytest.mark.postgresql
def test_a_pooled_connection_the_server_dropped_is_replaced_not_failed(
    postgres_engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server restart closes every pooled connection; the next use of an idle one must
    get a fresh connection, not an error."""
    monkeypatch.setattr("plmsync.persistence.database.PING_IDLE_AFTER_S", 0.0)
    engine = create_engine(postgres_engine.url)
    try:
        with engine.connect() as connection:
            first = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with postgres_engine.connect() as admin:
            admin.exec_driver_sql(f"SELECT pg_terminate_backend({first})")
        with engine.connect() as connection:
            second = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        assert second != first
    finally:
        engine.dispose()


@pytest.mark.postgresql
@pytest.mark.parametrize(("idle_after", "pings"), [(60.0, 0), (0.0, 2)])
def test_only_a_connection_idle_for_a_while_is_pinged(
    postgres_engine: sa.Engine, monkeypatch: pytest.MonkeyPatch, idle_after: float, pings: int
) -> None:
    monkeypatch.setattr("plmsync.persistence.database.PING_IDLE_AFTER_S", idle_after)
    engine = create_engine(postgres_engine.url)
    pinged: list[object] = []
    real_ping = engine.dialect.do_ping

    def counted_ping(dbapi_connection: Any) -> bool:
        pinged.append(dbapi_connection)
        return real_ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted_ping)
    try:
        for _ in range(3):  # a new connection, then the same one twice more from the pool
            with engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
        assert len(pinged) == pings
    finally:
        engine.dispose()
