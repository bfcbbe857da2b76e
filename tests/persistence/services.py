"""The PostgreSQL server the store's tests use: a scratch database per test session.

`PLMSYNC_TEST_POSTGRES` names the server (a libpq URL to an existing database used only to
create and drop scratch ones; default: postgres@localhost:5432/test). Unreachable, the
PostgreSQL tests skip, unless `PLMSYNC_REQUIRE_SERVICES=1` (CI), where they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
import sqlalchemy as sa

ADMIN_URL = os.environ.get("PLMSYNC_TEST_POSTGRES", "postgresql://postgres@localhost:5432/test")


def services_required() -> bool:
    return os.environ.get("PLMSYNC_REQUIRE_SERVICES", "") == "1"


def _admin() -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)


def unavailable(reason: str) -> None:
    if services_required():
        pytest.fail(f"PostgreSQL is required (PLMSYNC_REQUIRE_SERVICES=1): {reason}")
    pytest.skip(f"PostgreSQL not reachable at {ADMIN_URL}: {reason}")


@contextmanager
def scratch_database() -> Iterator[str]:
    """A new empty database; yields its SQLAlchemy URL, drops it afterwards."""
    name = f"plmsync_test_{uuid.uuid4().hex[:16]}"
    try:
        with _admin() as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        unavailable(str(error).strip())
    url = sa.make_url(ADMIN_URL).set(drivername="postgresql+psycopg", database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with _admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
