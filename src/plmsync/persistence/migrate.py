"""Bring a store's database to the current schema (Alembic, configured in code).

`upgrade(url)` runs inside one write transaction: on SQLite, `BEGIN IMMEDIATE` makes several
processes opening the same new file at once migrate it exactly once (the others wait, then
find it at head). `SqlStore` calls it by itself on SQLite files; a PostgreSQL database is
upgraded by its operator (later: `plmsync db upgrade`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from plmsync.persistence.database import create_engine, writer

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def config(connection: sa.Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


@cache
def head() -> str:
    revision = ScriptDirectory.from_config(config()).get_current_head()
    assert revision is not None
    return revision


def upgrade(url: str | Path | sa.URL, revision: str = "head") -> None:
    """Migrate the database at `url` to `revision` (default: the newest)."""
    engine = create_engine(url)
    try:
        upgrade_engine(engine, revision)
    finally:
        engine.dispose()


def upgrade_engine(engine: sa.Engine, revision: str = "head") -> None:
    with writer(engine).begin() as connection:
        if revision == "head" and current(connection) == head():
            return  # the usual case on open: skip Alembic's script loading
        command.upgrade(config(connection), revision)


def current(connection: sa.Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()
