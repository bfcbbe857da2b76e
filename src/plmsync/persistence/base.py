"""What every part of the store shares: the engine, the clock, read and write transactions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import sqlalchemy as sa

from plmsync.engine.errors import NotFound
from plmsync.persistence.database import (
    BUSY_TIMEOUT_S,
    create_engine,
    is_sqlite,
    make_url,
    writer,
)
from plmsync.persistence.migrate import upgrade_engine
from plmsync.persistence.notify import notify_on_enqueue

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class StoreBase:
    """Holds the engine. Each public method of the store is one transaction: `_write()`
    (SQLite: BEGIN IMMEDIATE) when it changes anything, `_read()` otherwise."""

    def __init__(
        self,
        url: str | Path | sa.URL,
        *,
        clock: Clock = utc_now,
        migrate: bool | None = None,
        busy_timeout: float = BUSY_TIMEOUT_S,
    ) -> None:
        self.url = make_url(url)
        self.dialect = self.url.get_backend_name()
        self._engine = create_engine(self.url, busy_timeout=busy_timeout)
        self._writer = writer(self._engine)
        self._clock = clock
        if migrate if migrate is not None else is_sqlite(self.url):
            upgrade_engine(self._engine)
        if self._postgresql:  # idle workers LISTEN for new jobs (persistence/notify.py)
            notify_on_enqueue(self._engine)

    @property
    def engine(self) -> sa.Engine:
        return self._engine

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url.render_as_string(hide_password=True)!r})"

    @contextmanager
    def _read(self) -> Iterator[sa.Connection]:
        with self._engine.begin() as connection:
            yield connection

    @contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        with self._writer.begin() as connection:
            yield connection

    def _now(self) -> dt.datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the store's clock must return timezone-aware datetimes")
        return now.astimezone(dt.UTC)

    @property
    def _postgresql(self) -> bool:
        return self.dialect == "postgresql"


def one(connection: sa.Connection, query: sa.Select[Any], kind: str, ident: int) -> sa.RowMapping:
    """The single row `query` finds, or NotFound naming what was looked for."""
    row = connection.execute(query).mappings().first()
    if row is None:
        raise NotFound(kind, ident)
    return row


def new_id(result: sa.CursorResult[Any]) -> int:
    """The primary key the insert behind `result` created."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def chunks(values: list[str], size: int = 500) -> Iterator[list[str]]:
    """Slices small enough for any SQLite build's limit on bound parameters."""
    for start in range(0, len(values), size):
        yield values[start : start + size]
