"""Fixtures shared by every test tree.

Tryton: `tryton_target` is a fresh `TrytonErp` on its own plant database, cloned from the
machine's cached template (built once, ~30 s, under `$PLMSYNC_CACHE_DIR` or
`~/.cache/plmsync`; pytest-xdist workers wait for one builder). A clone costs well under a
second, so every test gets a database nobody else writes to.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from plmsync.config import DEFAULT_UNITS, TrytonTarget

TRYTON_PLANT = "US01"


@pytest.fixture(scope="session")
def tryton_template() -> Path:
    from plmsync.connectors.erp.tryton.template import ensure_template

    return ensure_template()


@pytest.fixture
def tryton_database(tryton_template: Path, tmp_path: Path) -> Path:
    """A new plant database `erp/US01.sqlite` under `tmp_path` (company `Plant US01`, USD)."""
    from plmsync.connectors.erp.tryton.template import create_database

    del tryton_template  # requested so the (slow, once) build is a session-wide setup step
    path = tmp_path / "erp" / f"{TRYTON_PLANT}.sqlite"
    create_database(path, company_name=f"Plant {TRYTON_PLANT}", currency="USD")
    return path


@pytest.fixture
def tryton_target(tryton_database: Path) -> Iterator[object]:
    """A `TrytonErp` on `tryton_database`, with plmsync's default unit table."""
    from plmsync.connectors.erp.tryton.adapter import TrytonErp

    base_dir = tryton_database.parent.parent
    target = TrytonTarget(database=str(tryton_database.relative_to(base_dir)))
    erp = TrytonErp(f"tryton-{TRYTON_PLANT}", target, units=DEFAULT_UNITS, base_dir=base_dir)
    yield erp
    erp.close()
