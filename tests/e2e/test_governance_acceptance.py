"""Issue #4 acceptance on real Tryton databases: ERP-owned attributes survive a re-sync, ERP
edits of PLM-owned ones are found and healed by `reconcile`, workflow triggers skip, plant
rules give the EU plant its substitute and sources, export control and compliance
checkpoints hold a plant for exactly one review task, and approval posts.

Tryton is read with plain SQL and edited as someone working in the ERP would: prices with SQL,
a name through trytond itself — never through plmsync's adapter.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence
from contextlib import closing
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from plmsync.cli.app import app
from plmsync.domain.package import ChangePackage
from plmsync.testing import governance as g
from plmsync.testing.packages import eco_package, release_package
from plmsync.workspace import PlantSpec, init_workspace

pytestmark = pytest.mark.integration
runner = CliRunner()
TODAY = dt.date.today()

_FAST_ENGINE = """
engine:
  lease_seconds: 2
  heartbeat_seconds: 0.5
  poll_seconds: 0.05
  backoff_base_seconds: 0.05
  jitter: 0
  lock_wait_seconds: 0.05
"""


def make_workspace(directory: Path, plants: Sequence[PlantSpec], rules: str = "") -> Path:
    config = init_workspace(directory, plants)
    with config.open("a", encoding="utf-8") as handle:
        handle.write(_FAST_ENGINE + rules)
    return config


@pytest.fixture
def us01(tryton_template: Path, tmp_path: Path) -> Path:
    del tryton_template  # the cached template makes each plant database a quick clone
    return make_workspace(tmp_path / "W", [PlantSpec("US01", "NA")])


@pytest.fixture
def three_plants(tryton_template: Path, tmp_path: Path) -> Path:
    del tryton_template
    plants = [PlantSpec("US01", "NA"), PlantSpec("DE01", "EU"), PlantSpec("CN01", "APAC")]
    return make_workspace(tmp_path / "W", plants, g.GOVERNANCE_RULES)


@pytest.fixture(autouse=True)
def _wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables wide enough that no asserted text wraps, whatever terminal the run has."""
    from plmsync.cli.common import console

    monkeypatch.setattr(console, "_width", 240)


def cli(*args: str | Path) -> Result:
    return runner.invoke(app, [str(a) for a in args])


def sync(config: Path, package: ChangePackage, plants: Sequence[str]) -> Result:
    path = config.parent / f"{package.change.number}-{package.source.event_id}.json"
    path.write_text(g.only_plants(package, plants, TODAY).model_dump_json(), encoding="utf-8")
    return cli("sync", path, "-c", config)


# --- reading and editing Tryton with SQL ------------------------------------------------------


def erp_db(config: Path, plant: str) -> closing[sqlite3.Connection]:
    return closing(sqlite3.connect(config.parent / "erp" / f"{plant}.sqlite"))


def one(config: Path, plant: str, sql: str, *args: object) -> object:
    with erp_db(config, plant) as db:
        row = db.execute(sql, args).fetchone()
    return None if row is None else row[0]


_TEMPLATE = "SELECT template FROM product_product WHERE code = ?"
_PRODUCT = "SELECT id FROM product_product WHERE code = ?"


def item_name(config: Path, plant: str, item: str) -> object:
    return one(config, plant, f"SELECT name FROM product_template WHERE id = ({_TEMPLATE})", item)


def rename_in_erp(config: Path, item: str, name: str) -> None:
    """A user renames the item in Tryton (through trytond, which keeps its translations and
    caches right; a bare SQL update would be hidden by them)."""
    from plmsync.connectors.erp.tryton.session import TrytonSession

    template = int(str(one(config, "US01", _TEMPLATE, item)))
    session = TrytonSession(config.parent / "erp" / "US01.sqlite")
    session.run(lambda erp: erp.write("product.template", [([template], {"name": name})]))


def set_prices(config: Path, item: str, list_price: str, cost_price: str) -> None:
    """What sales and costing do in the ERP: company-dependent prices of the item."""
    with erp_db(config, "US01") as db, db:
        (company,) = db.execute("SELECT id FROM company_company").fetchone()
        (template,) = db.execute(_TEMPLATE, (item,)).fetchone()
        (product,) = db.execute(_PRODUCT, (item,)).fetchone()
        for table, column, ident, price in (
            ("product_list_price", "template", template, list_price),
            ("product_cost_price", "product", product, cost_price),
        ):
            db.execute(f"DELETE FROM {table} WHERE {column} = ?", (ident,))
            db.execute(
                f"INSERT INTO {table} (company, {column}, {table.removeprefix('product_')})"
                " VALUES (?, ?, ?)",
                (company, ident, price),
            )


def prices(config: Path, item: str) -> tuple[Decimal, Decimal]:
    listed = one(
        config,
        "US01",
        f"SELECT list_price FROM product_list_price WHERE template = ({_TEMPLATE})",
        item,
    )
    cost = one(
        config,
        "US01",
        f"SELECT cost_price FROM product_cost_price WHERE product = ({_PRODUCT})",
        item,
    )
    return Decimal(str(listed)), Decimal(str(cost))


def bom_components(config: Path, plant: str, item: str) -> set[str]:
    with erp_db(config, plant) as db:
        found = db.execute(
            "SELECT c.code FROM production_bom_input i JOIN product_product c ON c.id = i.product"
            ' WHERE i.bom = (SELECT l.bom FROM "product_product-production_bom" l'
            "  JOIN product_product p ON p.id = l.product WHERE p.code = ?"
            "  ORDER BY l.sequence, l.id LIMIT 1)",
            (item,),
        ).fetchall()
    return {code for (code,) in found}


def suppliers(config: Path, plant: str, item: str) -> set[str]:
    with erp_db(config, plant) as db:
        found = db.execute(
            "SELECT p.name FROM purchase_product_supplier s JOIN party_party p ON p.id = s.party"
            f" WHERE s.template = ({_TEMPLATE}) AND s.active",
            (item,),
        ).fetchall()
    return {name for (name,) in found}


def products(config: Path, plant: str) -> int:
    return int(str(one(config, plant, "SELECT COUNT(*) FROM product_product")))


# --- ownership and drift -----------------------------------------------------------------------


def test_erp_owned_prices_survive_a_resync_that_renames_the_item(us01: Path) -> None:
    assert sync(us01, release_package(), ["US01"]).exit_code == 0
    set_prices(us01, "PMP-40", "123.45", "67.89")
    renamed = g.with_item_name(release_package(), "PMP-40", "Gear pump GP-40 Mk II")
    result = sync(us01, g.as_eco(renamed, "ECO-0100", "evt-0100"), ["US01"])
    assert result.exit_code == 0, result.output
    assert item_name(us01, "US01", "PMP-40") == "Gear pump GP-40 Mk II"
    assert prices(us01, "PMP-40") == (Decimal("123.45"), Decimal("67.89"))
    assert "0 review task(s)" in cli("review", "list", "--all", "-c", us01).output


def test_a_name_edited_in_erp_is_reported_then_healed(us01: Path) -> None:
    assert sync(us01, release_package(), ["US01"]).exit_code == 0
    assert cli("reconcile", "-c", us01).exit_code == 0
    rename_in_erp(us01, "PMP-40", "Pump (edited in ERP)")
    found = cli("reconcile", "--plant", "US01", "-c", us01)
    assert found.exit_code == 1, found.output
    assert "item PMP-40" in found.output and "Pump (edited in ERP)" in found.output
    assert "reported" in found.output and "REL-0007" in found.output

    healed = cli("reconcile", "--heal", "-c", us01)
    assert healed.exit_code == 0, healed.output
    assert "healed" in healed.output
    assert item_name(us01, "US01", "PMP-40") == "Gear pump GP-40"
    assert "drift healed: item PMP-40 name" in cli("audit", "REL-0007", "-c", us01).output
    assert "0 attribute(s)" in cli("reconcile", "-c", us01).output


# --- triggers ----------------------------------------------------------------------------------


def test_an_eco_in_work_is_skipped_and_the_approved_one_flows(us01: Path) -> None:
    assert sync(us01, release_package(), ["US01"]).exit_code == 0
    in_work = sync(us01, g.with_state(eco_package(), "in_work"), ["US01"])
    assert in_work.exit_code == 0, in_work.output
    assert "skipped: eco ECO-0012 is in_work; eco changes sync when approved or released" in (
        in_work.output
    )
    assert bom_components(us01, "US01", "GRS-40") == {"GR-401", "GR-402"}
    assert one(us01, "US01", "SELECT COUNT(*) FROM production_bom") == 2  # nothing posted
    assert "skipped" in cli("status", "ECO-0012", "-c", us01).output

    approved = g.with_state(eco_package(), "approved")
    source = approved.source.model_copy(update={"event_id": "evt-0012-approved"})
    flowed = sync(us01, approved.model_copy(update={"source": source}), ["US01"])
    assert flowed.exit_code == 0, flowed.output
    assert bom_components(us01, "US01", "GRS-40") == {"GR-401", "GR-402B"}


# --- plant rules and checkpoints -----------------------------------------------------------------


def test_plant_rules_and_export_control_on_three_plants(three_plants: Path) -> None:
    result = sync(three_plants, g.governed_release(), ["US01", "DE01", "CN01"])
    assert result.exit_code == 1, result.output  # CN01 waits for trade compliance
    assert "PLMSYNC-EXPORT-CONTROL" in result.output
    assert "GR-401 is export-controlled (5A002)" in result.output
    assert "plmsync review show 1" in result.output

    assert g.EU_SCREW in bom_components(three_plants, "DE01", "PMP-40")
    assert "SCR-M5X16" not in bom_components(three_plants, "DE01", "PMP-40")
    assert "SCR-M5X16" in bom_components(three_plants, "US01", "PMP-40")
    assert g.EU_FOUNDRY in suppliers(three_plants, "DE01", "HSG-40")
    assert g.EU_FOUNDRY not in suppliers(three_plants, "US01", "HSG-40")
    assert products(three_plants, "CN01") == 0
    listed = cli("review", "list", "-c", three_plants).output
    assert "1 review task(s)" in listed and "trade_compliance" in listed

    approved = cli("review", "approve", "1", "--run", "--by", "tom", "-c", three_plants)
    assert approved.exit_code == 0, approved.output
    assert products(three_plants, "CN01") > 0
    assert g.CONTROLLED not in bom_components(three_plants, "CN01", "GRS-40")
    assert "1 review task(s)" in cli("review", "list", "--all", "-c", three_plants).output


def test_a_compliance_changing_substitution_waits_for_one_approval(three_plants: Path) -> None:
    package = g.compliance_changing(g.governed_release(controlled=False))
    result = sync(three_plants, package, ["US01", "DE01"])
    assert result.exit_code == 1, result.output
    assert "waiting_review" in result.output
    assert "SCR-M5X16" in bom_components(three_plants, "US01", "PMP-40")  # standard: posted
    assert products(three_plants, "DE01") == 0
    shown = cli("review", "show", "1", "-c", three_plants)
    assert "substitution_changes_compliance" in shown.output
    assert "yes → no" in shown.output and "compliance" in shown.output
    assert "bom PMP-40" in shown.output  # the per-plant diff

    approved = cli(
        "review", "approve", "1", "--comment", "REACH waiver W-12", "--run", "-c", three_plants
    )
    assert approved.exit_code == 0, approved.output
    assert g.EU_SCREW in bom_components(three_plants, "DE01", "PMP-40")
    listed = cli("review", "list", "--all", "-c", three_plants).output
    assert "1 review task(s)" in listed and "approved" in listed
    status = cli("status", "REL-0007", "-c", three_plants).output
    assert "1 (1 review)" in status
