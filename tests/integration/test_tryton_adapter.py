"""TrytonErp against real Tryton databases cloned from the template (no mocks).

Steps are built by hand here so each test says exactly what it posts; the shipped contract
suite (tests/contract/test_tryton_contract.py) covers the pipeline-driven scenarios.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path

import pytest

from plmsync.config import DEFAULT_UNITS, TrytonTarget
from plmsync.connectors.erp.tryton.adapter import TrytonErp
from plmsync.connectors.erp.tryton.floor import write_direct, write_revision_direct
from plmsync.connectors.erp.tryton.template import create_database
from plmsync.domain.errors import AuthError, ConfigError, RejectedError
from plmsync.domain.plan import Action, Step
from plmsync.domain.state import (
    KIND_OF,
    BomLineRecord,
    BomRecord,
    DocumentRecord,
    ItemRecord,
    OperationRecord,
    Record,
    RoutingRecord,
    SourceRecord,
    TargetState,
    state_of,
)
from plmsync.ports.erp import ChangeRef

pytestmark = pytest.mark.integration

REL = ChangeRef("REL-1", "US01")
ECO = ChangeRef("ECO-2", "US01")

PUMP = ItemRecord("PMP-1", "A", "Pump", "EA", "assembly", "make", "Gear pump, 40 l/min")
GEAR = ItemRecord("GR-1", "A", "Gear", "PCS", "part", "buy")
SCREW = ItemRecord("SCR-1", "A", "Screw", "EA", "part", "buy")
OIL = ItemRecord("OIL-1", "A", "Oil", "L", "raw_material", "buy")
PUMP_BOM = BomRecord(
    "PMP-1",
    "A",
    (
        BomLineRecord(10, "GR-1", Decimal("2"), "PCS", ("G1", "G2")),
        BomLineRecord(20, "SCR-1", Decimal("6"), "EA"),
        BomLineRecord(30, "OIL-1", Decimal("0.05"), "L"),
    ),
)
PUMP_ROUTING = RoutingRecord(
    "PMP-1",
    "A",
    (
        OperationRecord(10, "Assemble", "ASSY-US", Decimal("15"), Decimal("2.5")),
        OperationRecord(20, "Leak test", "TEST-US"),
    ),
)
DRAWING = DocumentRecord("PMP-1", "DRW-1", "A", "Pump drawing", "drawing", "https://plm/DRW-1/A")
GEAR_SOURCE = SourceRecord("GR-1", "Gear Distribution Inc", "Zahnrad GmbH", "ZR-1")
RELEASE = state_of([PUMP, GEAR, SCREW, OIL, PUMP_BOM, PUMP_ROUTING, DRAWING, GEAR_SOURCE])
NUMBERS = RELEASE.item_numbers


def step(action: Action, desired: Record | None, current: Record | None = None) -> Step:
    record = desired or current
    assert record is not None
    return Step(KIND_OF[type(record)], action, record.key, desired, current)


def creates(records: Sequence[Record]) -> list[Step]:
    return [step(Action.CREATE, record) for record in records]


def released(erp: TrytonErp) -> None:
    erp.apply(REL, creates([PUMP, GEAR, SCREW, OIL, PUMP_BOM, PUMP_ROUTING, DRAWING, GEAR_SOURCE]))


@pytest.fixture
def db(tryton_database: Path) -> Iterator[sqlite3.Connection]:
    """Raw SQL on the plant file, to check what the adapter wrote without trusting its reads."""
    connection = sqlite3.connect(tryton_database)
    yield connection
    connection.close()


def first_bom(db: sqlite3.Connection, item: str) -> tuple[str, int | None]:
    name, routing = db.execute(
        'SELECT b.name, l.routing FROM "product_product-production_bom" l'
        " JOIN production_bom b ON b.id = l.bom JOIN product_product p ON p.id = l.product"
        " WHERE p.code = ? ORDER BY l.sequence, l.id LIMIT 1",
        (item,),
    ).fetchone()
    return name, routing


# --- health ---------------------------------------------------------------------------------


def test_check_passes_on_a_plant_database(tryton_target: TrytonErp) -> None:
    tryton_target.check()


def test_check_names_a_missing_database(tmp_path: Path) -> None:
    erp = TrytonErp("t", TrytonTarget(database="erp/XX01.sqlite"), units={}, base_dir=tmp_path)
    with pytest.raises(ConfigError, match=r"XX01\.sqlite"):
        erp.check()


def test_check_refuses_an_unknown_user(tryton_database: Path) -> None:
    target = TrytonTarget(database=tryton_database.name, user="nobody")
    erp = TrytonErp("t", target, units=DEFAULT_UNITS, base_dir=tryton_database.parent)
    with pytest.raises(AuthError, match="nobody"):
        erp.check()


def test_postgresql_and_xmlrpc_are_refused_as_configuration(tmp_path: Path) -> None:
    for target in (
        TrytonTarget(database="plant", backend="postgresql"),
        TrytonTarget(database="plant", xmlrpc_url="http://erp:8000/"),
    ):
        with pytest.raises(ConfigError, match="in-process on SQLite"):
            TrytonErp("t", target, units=DEFAULT_UNITS, base_dir=tmp_path)


def test_capabilities_give_tryton_unit_digits(tryton_target: TrytonErp) -> None:
    capabilities = tryton_target.capabilities()
    assert capabilities.line_effectivity is False
    assert capabilities.unit_digits["EA"] == 0
    assert capabilities.unit_digits["KG"] == 2
    assert set(DEFAULT_UNITS) <= set(capabilities.unit_digits)


# --- create and read back -------------------------------------------------------------------


def test_bulk_read_of_missing_items_is_empty(tryton_target: TrytonErp) -> None:
    assert tryton_target.read(["NOPE-1", "NOPE-2"]) == TargetState()


def test_everything_created_reads_back_as_written(tryton_target: TrytonErp) -> None:
    released(tryton_target)
    assert tryton_target.read(NUMBERS) == RELEASE


def test_postings_name_the_tryton_records(tryton_target: TrytonErp) -> None:
    postings = tryton_target.apply(REL, creates([PUMP, SCREW, PUMP_BOM]) + creates([GEAR, OIL]))
    assert sorted((p.kind.value, p.step_key, p.erp_model) for p in postings) == [
        ("bom", "PMP-1", "production.bom"),
        ("item", "GR-1", "product.product"),
        ("item", "OIL-1", "product.product"),
        ("item", "PMP-1", "product.product"),
        ("item", "SCR-1", "product.product"),
    ]
    assert all(len(p.record_ids) == 1 and isinstance(p.record_ids[0], int) for p in postings)


def test_every_record_carries_the_change_that_wrote_it(
    tryton_target: TrytonErp, db: sqlite3.Connection
) -> None:
    released(tryton_target)
    for table in (
        "product_product",
        "production_bom",
        "production_routing",
        "ir_attachment",
        "purchase_product_supplier",
    ):
        stamps = {c for (c,) in db.execute(f"SELECT DISTINCT plm_change FROM {table}")}
        assert stamps == {"REL-1"}, table


def test_bom_lines_keep_find_numbers_designators_and_units(
    tryton_target: TrytonErp, db: sqlite3.Connection
) -> None:
    released(tryton_target)
    rows = db.execute(
        "SELECT find_number, reference_designators, quantity, u.symbol FROM production_bom_input i"
        " JOIN product_uom u ON u.id = i.unit ORDER BY find_number"
    ).fetchall()
    assert rows == [(10, "G1,G2", 2.0, "u"), (20, None, 6.0, "u"), (30, None, 0.05, "l")]


def test_a_routing_hangs_on_the_bom_in_use(
    tryton_target: TrytonErp, db: sqlite3.Connection
) -> None:
    released(tryton_target)
    name, routing = first_bom(db, "PMP-1")
    assert name == "PMP-1 rev A"
    assert db.execute("SELECT name FROM production_routing WHERE id = ?", (routing,)).fetchone()
    steps = db.execute(
        "SELECT s.sequence, o.name, s.work_center_code FROM production_routing_step s"
        " JOIN production_routing_operation o ON o.id = s.operation ORDER BY s.sequence"
    ).fetchall()
    assert steps == [(10, "Assemble", "ASSY-US"), (20, "Leak test", "TEST-US")]


def test_a_supplier_becomes_a_party_with_the_company_currency(
    tryton_target: TrytonErp, db: sqlite3.Connection
) -> None:
    released(tryton_target)
    row = db.execute(
        "SELECT p.name, s.code, s.manufacturer, c.code FROM purchase_product_supplier s"
        " JOIN party_party p ON p.id = s.party JOIN currency_currency c ON c.id = s.currency"
    ).fetchall()
    assert row == [("Gear Distribution Inc", "ZR-1", "Zahnrad GmbH", "USD")]


# --- changes --------------------------------------------------------------------------------


def test_an_item_update_changes_its_name(tryton_target: TrytonErp) -> None:
    released(tryton_target)
    renamed = ItemRecord("GR-1", "A", "Spur gear", "PCS", "part", "buy")
    tryton_target.apply(ECO, [step(Action.UPDATE, renamed, GEAR)])
    assert tryton_target.read(["GR-1"]).items["GR-1"] == renamed


def test_a_superseding_bom_revision_goes_first_and_keeps_the_old_one(
    tryton_target: TrytonErp, db: sqlite3.Connection
) -> None:
    released(tryton_target)
    lines = (*PUMP_BOM.lines[:1], BomLineRecord(20, "SCR-1", Decimal("8"), "EA"))
    rev_b = BomRecord("PMP-1", "B", lines)
    tryton_target.apply(ECO, [step(Action.SUPERSEDE, rev_b, PUMP_BOM)])
    state = tryton_target.read(["PMP-1"])
    assert state.boms["PMP-1"] == rev_b
    assert state.routings["PMP-1"] == PUMP_ROUTING  # the routing moved to the new BOM link
    names = db.execute(
        'SELECT b.name, b.active FROM "product_product-production_bom" l'
        " JOIN production_bom b ON b.id = l.bom ORDER BY l.sequence, l.id"
    ).fetchall()
    assert names == [("PMP-1 rev B", 1), ("PMP-1 rev A", 1)]


def test_a_bom_update_rewrites_the_lines_of_the_bom_in_use(tryton_target: TrytonErp) -> None:
    released(tryton_target)
    fewer = BomRecord("PMP-1", "A", PUMP_BOM.lines[:2])
    postings = tryton_target.apply(ECO, [step(Action.UPDATE, fewer, PUMP_BOM)])
    assert tryton_target.read(["PMP-1"]).boms["PMP-1"] == fewer
    (bom_id,) = postings[0].record_ids
    again = tryton_target.apply(ECO, [step(Action.UPDATE, fewer, PUMP_BOM)])
    assert again[0].record_ids == (bom_id,)


def test_a_superseded_document_shows_only_its_new_revision(
    tryton_target: TrytonErp, db: sqlite3.Connection
) -> None:
    released(tryton_target)
    rev_b = DocumentRecord("PMP-1", "DRW-1", "B", "Pump drawing", "drawing", "https://plm/DRW-1/B")
    tryton_target.apply(ECO, [step(Action.SUPERSEDE, rev_b, DRAWING)])
    assert tryton_target.read(["PMP-1"]).documents == {rev_b.key: rev_b}
    assert db.execute("SELECT name, link FROM ir_attachment").fetchall() == [
        ("DRW-1 rev B", "https://plm/DRW-1/B")
    ]


def test_a_retired_source_is_deactivated(tryton_target: TrytonErp, db: sqlite3.Connection) -> None:
    released(tryton_target)
    tryton_target.apply(ECO, [step(Action.RETIRE, None, GEAR_SOURCE)])
    assert tryton_target.read(["GR-1"]).sources == {}
    assert db.execute("SELECT active FROM purchase_product_supplier").fetchall() == [(0,)]


def test_a_retired_item_disappears_from_reads_and_comes_back_with_its_id(
    tryton_target: TrytonErp,
) -> None:
    released(tryton_target)
    (first,) = tryton_target.apply(ECO, [step(Action.RETIRE, None, SCREW)])
    assert "SCR-1" not in tryton_target.read(["SCR-1"]).items
    (revived,) = tryton_target.apply(ECO, creates([SCREW]))
    assert revived.record_ids == first.record_ids
    assert tryton_target.read(["SCR-1"]).items["SCR-1"] == SCREW


# --- refusals -------------------------------------------------------------------------------


def test_a_quantity_finer_than_the_unit_is_refused_and_nothing_is_written(
    tryton_target: TrytonErp,
) -> None:
    too_fine = BomRecord("PMP-1", "A", (BomLineRecord(10, "SCR-1", Decimal("6.5"), "EA"),))
    with pytest.raises(RejectedError) as refused:
        tryton_target.apply(REL, creates([PUMP, SCREW, too_fine]))
    assert refused.value.code == "PLMSYNC-ERP-UNIT-PRECISION"
    assert refused.value.object_key == "PMP-1"
    (message,) = refused.value.erp_messages
    assert "digits" in message.text and message.model == "production.bom"
    assert tryton_target.read(["PMP-1", "SCR-1"]) == TargetState()


def test_an_unmapped_unit_is_a_configuration_error_naming_it(tryton_target: TrytonErp) -> None:
    odd = ItemRecord("X-1", "A", "Odd", "FURLONG", "part", "buy")
    with pytest.raises(ConfigError, match="FURLONG"):
        tryton_target.apply(REL, creates([SCREW, odd]))
    assert tryton_target.read(["X-1", "SCR-1"]) == TargetState()


def test_a_routing_needs_a_bom_in_tryton(tryton_target: TrytonErp) -> None:
    with pytest.raises(RejectedError) as refused:
        tryton_target.apply(REL, creates([PUMP, PUMP_ROUTING]))
    assert refused.value.code == "PLMSYNC-ERP-ROUTING-WITHOUT-BOM"
    assert "PMP-1" in refused.value.message


def test_a_bom_cycle_is_refused(tryton_target: TrytonErp) -> None:
    gears = ItemRecord("GRS-1", "A", "Gear set", "EA", "assembly", "make")
    pump = BomRecord("PMP-1", "A", (BomLineRecord(10, "GRS-1", Decimal(1), "EA"),))
    tryton_target.apply(REL, creates([PUMP, gears, pump]))
    cycle = BomRecord("GRS-1", "A", (BomLineRecord(10, "PMP-1", Decimal(1), "EA"),))
    with pytest.raises(RejectedError) as refused:
        tryton_target.apply(ECO, creates([cycle]))
    assert refused.value.code == "PLMSYNC-ERP-BOM-RECURSION"


# --- databases ------------------------------------------------------------------------------


def test_plant_databases_are_independent(tryton_template: Path, tmp_path: Path) -> None:
    del tryton_template
    erps = {}
    for plant, currency in (("US01", "USD"), ("DE01", "EUR")):
        create_database(tmp_path / "erp" / f"{plant}.sqlite", company_name=plant, currency=currency)
        target = TrytonTarget(database=f"erp/{plant}.sqlite")
        erps[plant] = TrytonErp(plant, target, units=DEFAULT_UNITS, base_dir=tmp_path)
    erps["US01"].apply(REL, creates([SCREW]))
    assert set(erps["US01"].read(["SCR-1"]).items) == {"SCR-1"}
    assert erps["DE01"].read(["SCR-1"]) == TargetState()


def test_a_new_database_has_its_company_and_currency(tryton_template: Path, tmp_path: Path) -> None:
    del tryton_template
    path = tmp_path / "erp" / "DE01.sqlite"
    create_database(path, company_name="Pumpen Werk DE01", currency="EUR")
    with sqlite3.connect(path) as connection:
        row = connection.execute(
            "SELECT p.name, c.code FROM company_company co JOIN party_party p ON p.id = co.party"
            " JOIN currency_currency c ON c.id = co.currency"
        ).fetchall()
    connection.close()
    assert row == [("Pumpen Werk DE01", "EUR")]


def test_an_existing_database_is_never_overwritten(tryton_database: Path) -> None:
    with pytest.raises(ConfigError, match="already exists"):
        create_database(tryton_database, company_name="Again", currency="USD")


def test_bulk_changes_stay_within_sqlite_limits(tryton_target: TrytonErp) -> None:
    """More records than one SQLite statement can check at once (templates, products, links)."""
    parts = [ItemRecord(f"P-{n:03d}", "A", f"Part {n}", "EA", "part", "buy") for n in range(60)]
    kits = [ItemRecord(f"K-{n:03d}", "A", f"Kit {n}", "EA", "assembly", "make") for n in range(60)]
    boms = [
        BomRecord(k.number, "A", (BomLineRecord(10, p.number, Decimal(1), "EA"),))
        for k, p in zip(kits, parts, strict=True)
    ]
    tryton_target.apply(REL, creates([*parts, *kits, *boms]))
    renamed = [ItemRecord(p.number, "B", p.name + "*", "EA", "part", "buy") for p in parts]
    tryton_target.apply(
        ECO, [step(Action.UPDATE, new, old) for new, old in zip(renamed, parts, strict=True)]
    )
    tryton_target.apply(ECO, [step(Action.RETIRE, None, kit) for kit in kits])
    state = tryton_target.read([p.number for p in parts] + [k.number for k in kits])
    assert state.items == {p.number: p for p in renamed}


def test_a_revision_bump_writes_the_product_and_leaves_the_template_alone(
    tryton_target: TrytonErp, db: sqlite3.Connection
) -> None:
    released(tryton_target)
    pump_b = ItemRecord("PMP-1", "B", "Pump", "EA", "assembly", "make", PUMP.description)
    renamed = ItemRecord("GR-1", "B", "Spur gear", "PCS", "part", "buy")
    tryton_target.apply(
        ECO, [step(Action.UPDATE, pump_b, PUMP), step(Action.UPDATE, renamed, GEAR)]
    )
    written = dict(
        db.execute(
            "SELECT t.code, t.write_date IS NOT NULL FROM product_template t"
            " WHERE t.code IN ('PMP-1', 'GR-1')"
        ).fetchall()
    )
    assert written == {"PMP-1": 0, "GR-1": 1}
    assert tryton_target.read(["PMP-1", "GR-1"]).items == {"PMP-1": pump_b, "GR-1": renamed}


def test_check_requires_the_bridge_module(tryton_database: Path, db: sqlite3.Connection) -> None:
    db.execute("UPDATE ir_module SET state = 'not activated' WHERE name = 'plmsync_bridge'")
    db.commit()
    target = TrytonTarget(database=tryton_database.name)
    erp = TrytonErp("t", target, units=DEFAULT_UNITS, base_dir=tryton_database.parent)
    with pytest.raises(ConfigError, match="plmsync_bridge is not activated"):
        erp.check()


def test_the_floor_writes_what_the_adapter_reads(tryton_database: Path) -> None:
    write_direct(tryton_database, RELEASE)
    target = TrytonTarget(database=tryton_database.name)
    erp = TrytonErp("t", target, units=DEFAULT_UNITS, base_dir=tryton_database.parent)
    assert erp.read(NUMBERS) == RELEASE


def test_the_revision_floor_writes_what_the_adapter_reads(tryton_database: Path) -> None:
    """The floor of an ECO (bench/run.py) writes the same records plmsync would: reading the
    database afterwards gives the revised state, new BOM and routing in use."""
    pump_b = ItemRecord("PMP-1", "B", "Pump", "EA", "assembly", "make", PUMP.description)
    more_oil = BomLineRecord(30, "OIL-1", Decimal("0.08"), "L")
    bom_b = BomRecord("PMP-1", "B", (*PUMP_BOM.lines[:2], more_oil))
    routing_b = RoutingRecord("PMP-1", "B", PUMP_ROUTING.operations[:1])
    revision = state_of([pump_b, bom_b, routing_b])
    write_direct(tryton_database, RELEASE)
    write_revision_direct(tryton_database, revision)
    target = TrytonTarget(database=tryton_database.name)
    erp = TrytonErp("t", target, units=DEFAULT_UNITS, base_dir=tryton_database.parent)
    found = erp.read(["PMP-1"])
    assert found.items["PMP-1"] == pump_b
    assert found.boms["PMP-1"] == bom_b
    assert found.routings["PMP-1"] == routing_b


def test_a_plant_database_must_be_a_sqlite_file(tryton_template: Path, tmp_path: Path) -> None:
    del tryton_template
    with pytest.raises(ConfigError, match=r"\*\.sqlite"):
        create_database(tmp_path / "US01.db", company_name="US01", currency="USD")
    with pytest.raises(ConfigError, match="ISO 4217"):
        create_database(tmp_path / "US01.sqlite", company_name="US01", currency="dollar")
    assert list(tmp_path.iterdir()) == []


# --- staged effectivity ---------------------------------------------------------------------


def test_a_staged_revision_is_prepared_but_not_in_use(
    tryton_target: TrytonErp, db: sqlite3.Connection
) -> None:
    released(tryton_target)
    rev_b = BomRecord("PMP-1", "B", PUMP_BOM.lines[:2])
    routing_b = RoutingRecord("PMP-1", "B", PUMP_ROUTING.operations[:1])
    pump_b = ItemRecord("PMP-1", "B", "Pump", "EA", "assembly", "make", PUMP.description)
    staged = tryton_target.stage(
        ECO,
        [
            step(Action.UPDATE, pump_b, PUMP),  # not stageable: waits for the effective date
            step(Action.SUPERSEDE, rev_b, PUMP_BOM),
            step(Action.SUPERSEDE, routing_b, PUMP_ROUTING),
        ],
    )
    assert [(p.kind.value, p.action) for p in staged] == [
        ("bom", "supersede"),
        ("routing", "supersede"),
    ]
    assert tryton_target.read(NUMBERS) == RELEASE  # production still sees revision A
    assert first_bom(db, "PMP-1")[0] == "PMP-1 rev A"
    assert tryton_target.stage(ECO, [step(Action.SUPERSEDE, rev_b, PUMP_BOM)])[0] == staged[0]


def test_activation_puts_the_staged_records_in_use(tryton_target: TrytonErp) -> None:
    released(tryton_target)
    rev_b = BomRecord("PMP-1", "B", PUMP_BOM.lines[:2])
    routing_b = RoutingRecord("PMP-1", "B", PUMP_ROUTING.operations[:1])
    steps = [
        step(Action.SUPERSEDE, rev_b, PUMP_BOM),
        step(Action.SUPERSEDE, routing_b, PUMP_ROUTING),
    ]
    staged = tryton_target.stage(ECO, steps)
    applied = tryton_target.apply(ECO, steps)
    assert [p.record_ids for p in applied] == [p.record_ids for p in staged]
    state = tryton_target.read(["PMP-1"])
    assert (state.boms["PMP-1"], state.routings["PMP-1"]) == (rev_b, routing_b)


def test_new_items_and_their_bom_can_be_staged_before_release(tryton_target: TrytonErp) -> None:
    staged = tryton_target.stage(REL, creates([PUMP, GEAR, SCREW, OIL, PUMP_BOM, DRAWING]))
    assert {p.kind.value for p in staged} == {"item", "bom"}  # the drawing waits
    before = tryton_target.read(NUMBERS)
    assert set(before.items) == {"PMP-1", "GR-1", "SCR-1", "OIL-1"} and before.boms == {}
    tryton_target.apply(REL, creates([PUMP_BOM, PUMP_ROUTING, DRAWING, GEAR_SOURCE]))
    assert tryton_target.read(NUMBERS) == RELEASE
