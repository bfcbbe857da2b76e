"""The state database of a reliability scenario, on either dialect.

PostgreSQL: a scratch database per test (tests/persistence/services.py: skipped if the server
is unreachable, failed instead when PLMSYNC_REQUIRE_SERVICES=1), migrated, with a worker's
session limits in its URL. SQLite: a file in the test's directory (migrated on first open).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from plmsync.persistence import upgrade
from plmsync.persistence.sessions import SessionLimits, limited_url
from tests.persistence.services import scratch_database

# Shorter than the defaults so that the idle-transaction scenario measures them in seconds.
LIMITS = SessionLimits(lock_timeout_ms=2_000, statement_timeout_ms=20_000)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def state_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'state.sqlite'}"
        return
    with scratch_database() as url:
        upgrade(url)
        yield limited_url(url, LIMITS)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A migrated scratch database's URL, without session limits (the test adds them)."""
    with scratch_database() as url:
        upgrade(url)
        yield url
