"""Migrations: the migrated database is exactly `tables.py`; upgrading twice changes nothing."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from plmsync.persistence import SqlStore, upgrade
from plmsync.persistence.database import make_url
from plmsync.persistence.migrate import current, head
from plmsync.persistence.tables import metadata


def schema_drift(url: str | Path) -> list[object]:
    engine = sa.create_engine(make_url(url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def test_the_migrated_schema_is_tables_py(store_url: str) -> None:
    assert schema_drift(store_url) == []


def test_the_store_is_at_head_and_upgrading_again_changes_nothing(store_url: str) -> None:
    upgrade(store_url)
    with SqlStore(store_url) as store, store.engine.connect() as connection:
        assert current(connection) == head() == "0005"


def test_a_fresh_sqlite_file_gets_every_table(tmp_path: Path) -> None:
    path = tmp_path / "fresh.sqlite"
    upgrade(path)
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        names = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert names == {t.name for t in metadata.sorted_tables} | {"alembic_version"}
