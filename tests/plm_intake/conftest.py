"""A fresh engine state database per test (SQLite in tmp_path, migrated on open)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from plmsync.persistence import SqlStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    with SqlStore(f"sqlite:///{tmp_path / 'state.sqlite'}") as opened:
        yield opened
