"""Staged effectivity on real Tryton databases, checked with plain SQL on the plant file.

The contract suite proves the behaviour through the port; these tests look at what Tryton
itself holds, because "production keeps using revision A" and "one record per revision"
are facts about Tryton's tables, not about plmsync's reads.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from plmsync.connectors.erp.tryton.adapter import TrytonErp
from plmsync.domain.errors import RejectedError, TransientError
from plmsync.domain.plan import Action, Step
from plmsync.domain.state import BomLineRecord, BomRecord, ObjectKind
from plmsync.testing.erp_contract import plan_for, ref_of, stage_for, sync
from plmsync.testing.faults import FaultyErp
from plmsync.testing.packages import (
    US01,
    eco_package,
    release_package,
    renumber,
    revise,
    with_routing_operation,
)

pytestmark = pytest.mark.integration

LINKS = '"product_product-production_bom"'


@pytest.fixture
def db(tryton_database: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(tryton_database)
    yield connection
    connection.close()


def first_bom(db: sqlite3.Connection, item: str) -> str:
    (name,) = db.execute(
        f"SELECT b.name FROM {LINKS} l JOIN production_bom b ON b.id = l.bom"
        " JOIN product_product p ON p.id = l.product WHERE p.code = ?"
        " ORDER BY l.sequence, l.id LIMIT 1",
        (item,),
    ).fetchone()
    return str(name)


def boms_named(db: sqlite3.Connection, name: str) -> list[int]:
    return [i for (i,) in db.execute("SELECT id FROM production_bom WHERE name = ?", (name,))]


def links_of_bom(db: sqlite3.Connection, bom_id: int) -> int:
    (count,) = db.execute(f"SELECT COUNT(*) FROM {LINKS} WHERE bom = ?", (bom_id,)).fetchone()
    return int(count)


def input_ids(db: sqlite3.Connection, bom_id: int) -> list[int]:
    rows = db.execute("SELECT id FROM production_bom_input WHERE bom = ? ORDER BY id", (bom_id,))
    return [i for (i,) in rows]


def routings_named(db: sqlite3.Connection, name: str) -> list[int]:
    return [i for (i,) in db.execute("SELECT id FROM production_routing WHERE name = ?", (name,))]


def routing_in_use(db: sqlite3.Connection, item: str) -> int | None:
    (routing,) = db.execute(
        f"SELECT l.routing FROM {LINKS} l JOIN product_product p ON p.id = l.product"
        " WHERE p.code = ? ORDER BY l.sequence, l.id LIMIT 1",
        (item,),
    ).fetchone()
    return None if routing is None else int(routing)


def step_ids(db: sqlite3.Connection, routing: int) -> list[int]:
    rows = db.execute(
        "SELECT id FROM production_routing_step WHERE routing = ? ORDER BY id", (routing,)
    )
    return [i for (i,) in rows]


def duplicated_names(db: sqlite3.Connection, table: str) -> list[tuple[str, int]]:
    return db.execute(
        f"SELECT name, COUNT(*) FROM {table} GROUP BY name HAVING COUNT(*) > 1"
    ).fetchall()


def test_a_staged_revision_waits_unlinked_and_activation_links_that_same_record(
    tryton_target: TrytonErp, db: sqlite3.Connection
) -> None:
    sync(tryton_target, release_package(), US01)
    stage_for(tryton_target, eco_package(), US01)
    assert first_bom(db, "PMP-40") == "PMP-40 rev A"
    (staged,) = boms_named(db, "PMP-40 rev B")
    assert links_of_bom(db, staged) == 0
    lines = input_ids(db, staged)

    sync(tryton_target, eco_package(), US01)
    assert first_bom(db, "PMP-40") == "PMP-40 rev B"
    assert boms_named(db, "PMP-40 rev B") == [staged]
    assert input_ids(db, staged) == lines  # its lines were right: moved into use, not rewritten
    assert first_bom(db, "GRS-40") == "GRS-40 rev C"


def test_staging_twice_leaves_one_record_per_revision(
    tryton_target: TrytonErp, db: sqlite3.Connection
) -> None:
    sync(tryton_target, release_package(), US01)
    stage_for(tryton_target, eco_package(), US01)
    stage_for(tryton_target, eco_package(), US01)
    assert len(boms_named(db, "PMP-40 rev B")) == 1
    assert duplicated_names(db, "production_bom") == []
    assert db.execute("SELECT COUNT(*) FROM product_product WHERE code = 'GR-402B'").fetchone() == (
        1,
    )


def test_a_staged_first_release_has_no_link_until_activation(
    tryton_target: TrytonErp, db: sqlite3.Connection
) -> None:
    stage_for(tryton_target, release_package(), US01)
    assert db.execute(f"SELECT COUNT(*) FROM {LINKS}").fetchone() == (0,)
    (routing,) = db.execute("SELECT id FROM production_routing").fetchall()
    sync(tryton_target, release_package(), US01)
    on_link = db.execute(
        f"SELECT l.routing FROM {LINKS} l JOIN production_bom b ON b.id = l.bom"
        " WHERE b.name = 'PMP-40 rev A'"
    ).fetchone()
    assert on_link == routing
    assert duplicated_names(db, "production_routing") == []


def test_a_staged_routing_revision_waits_off_every_link_then_goes_on_the_one_in_use(
    tryton_target: TrytonErp, db: sqlite3.Connection
) -> None:
    release = release_package()
    sync(tryton_target, release, US01)
    revised = revise(with_routing_operation(release, "PMP-40", "B", "Paint"), "PMP-40", "B")
    revised = renumber(revised, "ECO-T400")
    stage_for(tryton_target, revised, US01)
    (staged,) = routings_named(db, "PMP-40 rev B")
    (in_use,) = routings_named(db, "PMP-40 rev A")
    assert routing_in_use(db, "PMP-40") == in_use
    assert db.execute(f"SELECT COUNT(*) FROM {LINKS} WHERE routing = ?", (staged,)).fetchone() == (
        0,
    )
    steps = step_ids(db, staged)

    sync(tryton_target, revised, US01)
    assert routing_in_use(db, "PMP-40") == staged
    assert routings_named(db, "PMP-40 rev B") == [staged]
    assert step_ids(db, staged) == steps  # its steps were right: not rewritten


def test_timeouts_that_hid_commits_leave_no_second_record(
    tryton_target: TrytonErp, db: sqlite3.Connection
) -> None:
    release, eco = release_package(), eco_package()
    sync(tryton_target, release, US01)
    faulty = FaultyErp(tryton_target, commit_then_timeout=1.0)
    with pytest.raises(TransientError):
        stage_for(faulty, eco, US01)
    stage_for(tryton_target, eco, US01)  # staging retried
    planned = plan_for(tryton_target, eco, US01)
    with pytest.raises(TransientError):
        faulty.apply(ref_of(eco, US01), planned.steps)
    tryton_target.apply(ref_of(eco, US01), planned.steps)  # retried blindly, at least once
    assert first_bom(db, "PMP-40") == "PMP-40 rev B"
    assert len(boms_named(db, "PMP-40 rev B")) == 1
    assert duplicated_names(db, "production_bom") == []
    assert duplicated_names(db, "ir_attachment") == []
    assert plan_for(tryton_target, eco, US01).is_empty


def test_a_staged_bom_that_would_close_a_cycle_is_refused_before_its_date(
    tryton_target: TrytonErp, db: sqlite3.Connection
) -> None:
    sync(tryton_target, release_package(), US01)
    # PMP-40 uses GRS-40; a GRS-40 revision using PMP-40 could never be activated.
    cyclic = BomRecord("GRS-40", "C", (BomLineRecord(10, "PMP-40", Decimal(1), "EA"),))
    step = Step(ObjectKind.BOM, Action.SUPERSEDE, "GRS-40", cyclic, None)
    with pytest.raises(RejectedError) as refused:
        tryton_target.stage(ref_of(eco_package(), US01), [step])
    assert refused.value.code == "PLMSYNC-ERP-BOM-RECURSION"
    assert boms_named(db, "GRS-40 rev C") == []
