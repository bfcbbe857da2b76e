"""Issue #2 acceptance, as a new user runs it: `plmsync init`, then `plmsync sync` of the
example package, checked by reading each Tryton database directly with SQL (not through
plmsync's own adapter, so the check cannot share the adapter's mistakes)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from plmsync.cli.app import app

pytestmark = pytest.mark.integration
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "gp40-release.json"
runner = CliRunner()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("ws") / "W"
    result = runner.invoke(app, ["init", str(directory), "--plant", "US01", "--plant", "DE01:EU"])
    assert result.exit_code == 0, result.output
    return directory


@pytest.fixture(scope="module")
def synced(workspace: Path) -> Path:
    result = runner.invoke(app, ["sync", str(EXAMPLE), "--config", str(workspace / "plmsync.yaml")])
    assert result.exit_code == 0, result.output + result.stderr
    return workspace


def _db(workspace: Path, plant: str) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(workspace / "erp" / f"{plant}.sqlite")
    try:
        yield connection
    finally:
        connection.close()


@pytest.fixture
def us01(synced: Path) -> Iterator[sqlite3.Connection]:
    yield from _db(synced, "US01")


@pytest.fixture
def de01(synced: Path) -> Iterator[sqlite3.Connection]:
    yield from _db(synced, "DE01")


def _products(db: sqlite3.Connection) -> set[str]:
    return {code for (code,) in db.execute("SELECT code FROM product_product WHERE active = 1")}


def _bom_in_use(db: sqlite3.Connection, item: str) -> tuple[str, list[tuple[str, Decimal, str]]]:
    """The first BOM linked to the product (the one Tryton uses) and its input lines."""
    bom_id, name = db.execute(
        'SELECT b.id, b.name FROM "product_product-production_bom" l'
        " JOIN production_bom b ON b.id = l.bom JOIN product_product p ON p.id = l.product"
        " WHERE p.code = ? ORDER BY l.sequence, l.id LIMIT 1",
        (item,),
    ).fetchone()
    lines = db.execute(
        "SELECT p.code, i.quantity, u.symbol FROM production_bom_input i"
        " JOIN product_product p ON p.id = i.product JOIN product_uom u ON u.id = i.unit"
        " WHERE i.bom = ? ORDER BY p.code",
        (bom_id,),
    ).fetchall()
    return name, [(code, Decimal(str(qty)), unit) for code, qty, unit in lines]


@pytest.mark.parametrize("plant", ["US01", "DE01"])
def test_every_item_is_a_product(synced: Path, plant: str) -> None:
    expected = {i["number"] for i in json.loads(EXAMPLE.read_text())["items"]}
    for db in _db(synced, plant):
        assert _products(db) == expected


def test_bom_in_use_has_the_released_components(us01: sqlite3.Connection) -> None:
    name, lines = _bom_in_use(us01, "PMP-40")
    assert name == "PMP-40 rev A"
    assert lines == [
        ("GRS-40", Decimal(1), "u"),
        ("HSG-40", Decimal(1), "u"),
        ("OIL-68", Decimal("0.05"), "l"),
        ("SCR-M5X16", Decimal(6), "u"),
    ]
    assert _bom_in_use(us01, "GRS-40") == (
        "GRS-40 rev B",
        [("GR-401", Decimal(1), "u"), ("GR-402", Decimal(1), "u")],
    )


def test_each_plant_gets_its_own_routing(
    us01: sqlite3.Connection, de01: sqlite3.Connection
) -> None:
    def operations(db: sqlite3.Connection) -> list[str]:
        rows = db.execute(
            "SELECT o.name FROM production_routing_step s"
            " JOIN production_routing_operation o ON o.id = s.operation ORDER BY s.sequence, s.id"
        )
        return [name for (name,) in rows]

    assert operations(us01) == ["Install gear set", "Leak test"]
    assert operations(de01) == ["Zahnradsatz montieren"]


def test_each_plant_gets_only_its_suppliers(
    us01: sqlite3.Connection, de01: sqlite3.Connection
) -> None:
    def suppliers(db: sqlite3.Connection) -> set[tuple[str, str, str]]:
        rows = db.execute(
            "SELECT p.code, party.name, s.code FROM purchase_product_supplier s"
            " JOIN product_template t ON t.id = s.template"
            " JOIN product_product p ON p.template = t.id"
            " JOIN party_party party ON party.id = s.party"
        )
        return set(rows)

    assert suppliers(us01) == {("GR-401", "Gear Distribution Inc", "ZR-401-A")}
    assert suppliers(de01) == {("GR-401", "Zahnrad GmbH", "ZR-401-A")}


def test_drawing_is_linked_to_the_product(us01: sqlite3.Connection) -> None:
    rows = us01.execute(
        "SELECT name, link, resource FROM ir_attachment WHERE type = 'link'"
    ).fetchall()
    assert len(rows) == 1
    name, link, resource = rows[0]
    assert name == "DRW-40 rev A"
    assert link == "https://plm.example.com/docs/DRW-40/A"
    assert resource.startswith("product.product,")


def _dumps(workspace: Path) -> dict[str, list[str]]:
    """Every row of every plant's database, as SQL."""
    return {
        p: [line for db in _db(workspace, p) for line in db.iterdump()] for p in ("US01", "DE01")
    }


def test_second_sync_changes_nothing(synced: Path) -> None:
    before = _dumps(synced)
    result = runner.invoke(app, ["sync", str(EXAMPLE), "--config", str(synced / "plmsync.yaml")])
    assert result.exit_code == 0, result.output
    assert result.output.count("nothing to post") == 2
    assert _dumps(synced) == before


def _broken_package() -> dict[str, object]:
    """The example with six problems at once."""
    package = json.loads(EXAMPLE.read_text())
    package["change"]["plants"].append({"plant": "XX99", "effective_from": "2026-05-05"})
    package["items"][2]["uom"] = "BARREL"  # GR-401: unknown unit
    pump, gears = package["boms"]
    pump["lines"][2]["quantity"] = "-6"  # negative quantity
    pump["lines"].append({"find_number": 40, "component": "NUT-M5", "quantity": "6", "uom": "EA"})
    gears["lines"].append({"find_number": 30, "component": "PMP-40", "quantity": "1", "uom": "EA"})
    return package


def test_invalid_package_lists_every_problem_and_writes_nothing(
    synced: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(_broken_package()), encoding="utf-8")
    before = _dumps(synced)
    result = runner.invoke(
        app, ["sync", str(broken), "--config", str(synced / "plmsync.yaml")], terminal_width=250
    )
    assert result.exit_code == 2
    for code, concerns in [
        ("PLMSYNC-PLANT-UNKNOWN", "XX99"),
        ("PLMSYNC-UOM-UNKNOWN", "GR-401"),
        ("PLMSYNC-BOM-CYCLE", "GRS-40"),
        ("PLMSYNC-BOM-COMPONENT-MISSING", "PMP-40#40"),
        ("PLMSYNC-BOM-DUPLICATE-FIND-NUMBER", "PMP-40"),
        ("PLMSYNC-BOM-QUANTITY-NOT-POSITIVE", "PMP-40#30"),
    ]:
        row = next((line for line in result.stderr.splitlines() if code in line), "")
        assert concerns in row, f"{code} not reported for {concerns}:\n{result.stderr}"
    assert _dumps(synced) == before
