"""Issue #3 acceptance on real Tryton databases: faults, duplicate deliveries, late older
revisions, staged effectivity, outages, dead letters and replay, and the audit chain.

Every Tryton database is read back with plain SQL, not through plmsync's adapter. The
engine runs with second-scale leases and millisecond backoff (see `_fast`), so nothing here
waits long. (Killing the worker process with SIGKILL is tested separately.)
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from tests.service.delivery import deliver
from typer.testing import CliRunner, Result

from plmsync import generator
from plmsync.bootstrap import TargetWrapper, build_engine
from plmsync.cli.app import app
from plmsync.config import load_config
from plmsync.domain.package import ChangePackage
from plmsync.engine.model import JobState
from plmsync.engine.service import Engine
from plmsync.ports.erp import ErpTarget
from plmsync.testing.faults import FaultyErp
from plmsync.testing.packages import eco_package, release_package, renumber, revise
from plmsync.workspace import PlantSpec, init_workspace

pytestmark = pytest.mark.integration
runner = CliRunner()
PLANTS = ("US01", "DE01")
TODAY = dt.date.today()

_FAST_ENGINE = """
engine:
  lease_seconds: 2
  heartbeat_seconds: 0.5
  poll_seconds: 0.05
  backoff_base_seconds: 0.05
  backoff_max_seconds: 0.2
  jitter: 0
  lock_wait_seconds: 0.05
  max_attempts: 5
  worker_threads: 2
"""


@pytest.fixture
def workspace(tryton_template: Path, tmp_path: Path) -> Path:
    """A fresh two-plant workspace (US01 NA, DE01 EU); returns its plmsync.yaml."""
    del tryton_template  # the cached template makes each plant database a quick clone
    config = init_workspace(tmp_path / "W", [PlantSpec("US01", "NA"), PlantSpec("DE01", "EU")])
    with config.open("a", encoding="utf-8") as handle:
        handle.write(_FAST_ENGINE)
    return config


def cli(*args: str | Path) -> Result:
    return runner.invoke(app, [str(a) for a in args], terminal_width=200)


def engine_for(config: Path, wrap: TargetWrapper | None = None) -> Engine:
    return build_engine(load_config(config), wrap_target=wrap)


def effective(package: ChangePackage, **dates: dt.date) -> ChangePackage:
    """The package with each named plant's effective date replaced."""
    plants = tuple(
        p.model_copy(update={"effective_from": dates.get(p.plant, p.effective_from)})
        for p in package.change.plants
    )
    return package.model_copy(
        update={"change": package.change.model_copy(update={"plants": plants})}
    )


def now_everywhere(package: ChangePackage) -> ChangePackage:
    return effective(package, US01=TODAY, DE01=TODAY)


def older_eco() -> ChangePackage:
    """ECO-0011, released before ECO-0012, moving GRS-40 only to rev B (arrives late)."""
    package = renumber(revise(eco_package(), "GRS-40", "B"), "ECO-0011")
    affected = tuple(
        a.model_copy(update={"from_revision": "A", "to_revision": "B"})
        if a.number == "GRS-40"
        else a
        for a in package.change.affected_items
    )
    change = package.change.model_copy(update={"affected_items": affected})
    source = package.source.model_copy(update={"event_id": "evt-0011"})
    return now_everywhere(package.model_copy(update={"change": change, "source": source}))


def write(directory: Path, name: str, package: ChangePackage) -> Path:
    path = directory / name
    path.write_text(package.model_dump_json(), encoding="utf-8")
    return path


# --- reading the ERP with SQL ---------------------------------------------------------------


def erp_db(config: Path, plant: str) -> closing[sqlite3.Connection]:
    return closing(sqlite3.connect(config.parent / "erp" / f"{plant}.sqlite"))


def bom_in_use(config: Path, plant: str, item: str) -> str:
    with erp_db(config, plant) as db:
        (name,) = db.execute(
            'SELECT b.name FROM "product_product-production_bom" l'
            " JOIN production_bom b ON b.id = l.bom JOIN product_product p ON p.id = l.product"
            " WHERE p.code = ? ORDER BY l.sequence, l.id LIMIT 1",
            (item,),
        ).fetchone()
    return str(name)


_PLM_TABLES = (
    "product_template",
    "product_product",
    "production_bom",
    "production_bom_input",
    "production_bom_output",
    '"product_product-production_bom"',
    "production_routing",
    "production_routing_step",
    "production_routing_operation",
    "ir_attachment",
    "purchase_product_supplier",
    "party_party",
)
_WHEN_AND_WHO = {"create_date", "write_date", "create_uid", "write_uid"}


def snapshot(config: Path, plant: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table plmsync writes, without who/when columns."""
    found = {}
    with erp_db(config, plant) as db:
        for table in _PLM_TABLES:
            columns = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
            kept = ", ".join(f'"{c}"' for c in columns if c not in _WHEN_AND_WHO)
            found[table] = sorted(db.execute(f"SELECT {kept} FROM {table}"), key=repr)
    return found


def duplicates(config: Path, plant: str) -> list[tuple[object, ...]]:
    """Products or BOM revisions that exist twice (plmsync must never create those)."""
    with erp_db(config, plant) as db:
        products = db.execute(
            "SELECT code, COUNT(*) FROM product_product GROUP BY code HAVING COUNT(*) > 1"
        ).fetchall()
        boms = db.execute(
            "SELECT name, COUNT(*) FROM production_bom GROUP BY name HAVING COUNT(*) > 1"
        ).fetchall()
    return products + boms


# --- the acceptance ---------------------------------------------------------------------------

SMALL = generator.Shape(items=100, lines=200, plants=(("US01", "NA"), ("DE01", "EU")), seed=3)


def _changes() -> list[ChangePackage]:
    """Two releases and two ECOs, for both plants: eight ERP write calls in all."""
    generated = generator.release(SMALL)
    return [
        release_package(),
        now_everywhere(eco_package()),
        generated,
        now_everywhere(generator.eco(generated, fraction=0.3)),
    ]


def _sync_all(config: Path, wrap: TargetWrapper | None = None) -> Engine:
    engine = engine_for(config, wrap)
    for package in _changes():
        engine.submit(package.model_dump_json().encode())
    engine.run_until_idle()
    return engine


def test_commit_then_timeout_on_10_percent_of_writes_ends_like_a_clean_run(
    workspace: Path, tmp_path: Path
) -> None:
    clean_config = init_workspace(
        tmp_path / "clean", [PlantSpec("US01", "NA"), PlantSpec("DE01", "EU")]
    )
    _sync_all(clean_config).close()
    targets: list[FaultyErp] = []

    def faulty(target: ErpTarget) -> ErpTarget:
        # seeds 148 and 149: US01 loses the reply of its 2nd write, DE01 of its 2nd and 4th
        targets.append(FaultyErp(target, commit_then_timeout=0.1, seed=148 + len(targets)))
        return targets[-1]

    engine = _sync_all(workspace, faulty)
    try:
        assert sum(t.injected.committed_then_timed_out for t in targets) >= 3
        assert {row.state for row in engine.status()} == {JobState.SUCCEEDED}
        assert engine.verify_audit() is None
    finally:
        engine.close()
    for plant in PLANTS:
        assert duplicates(workspace, plant) == []
        assert snapshot(workspace, plant) == snapshot(clean_config, plant)


def test_five_deliveries_write_once_and_audit_four_duplicates(workspace: Path) -> None:
    payload = release_package().model_dump_json().encode()
    engine = engine_for(workspace)
    try:
        engine.submit(payload)
        engine.submit(payload)
        state = str(workspace.parent / "state.sqlite")
        with multiprocessing.get_context("spawn").Pool(3) as pool:
            pool.starmap(deliver, [(state, payload)] * 3)
        engine.run_until_idle()
        actions = [e.action for e in engine.audit_trail("REL-0007")]
        assert (actions.count("event.received"), actions.count("event.duplicate")) == (1, 4)
        assert len(engine.store.jobs(change_number="REL-0007")) == 2
        posted = [e for e in engine.audit_trail("REL-0007") if e.action == "erp.posted"]
        steps = [step for entry in posted for step in entry.details["steps"]]
        assert len(steps) == 2 * 12  # one set of writes: 12 steps per plant
    finally:
        engine.close()
    for plant in PLANTS:
        assert duplicates(workspace, plant) == []


def test_rev_b_arriving_after_rev_c_leaves_erp_at_c(workspace: Path, tmp_path: Path) -> None:
    assert (
        cli("sync", write(tmp_path, "rel.json", release_package()), "-c", workspace).exit_code == 0
    )
    eco = write(tmp_path, "eco.json", now_everywhere(eco_package()))
    assert cli("sync", eco, "-c", workspace).exit_code == 0
    late = cli("sync", write(tmp_path, "eco-0011.json", older_eco()), "-c", workspace)
    assert late.exit_code == 1, late.output
    assert "superseded" in late.output
    for plant in PLANTS:
        assert bom_in_use(workspace, plant, "GRS-40") == "GRS-40 rev C"
    status = cli("status", "ECO-0011", "-c", workspace)
    assert status.output.count("superseded") == 2
    assert "job.superseded" in cli("audit", "ECO-0011", "-c", workspace).output
    engine = engine_for(workspace)
    try:
        reasons = [
            e.details["reason"] for e in engine.audit_trail("ECO-0011") if e.details.get("reason")
        ]
    finally:
        engine.close()
    assert reasons and reasons[0].startswith("bom GRS-40 rev B is older than rev C already in ERP")


def test_a_future_plant_keeps_the_old_bom_until_activation(workspace: Path, tmp_path: Path) -> None:
    cutover = TODAY + dt.timedelta(days=10)
    assert (
        cli("sync", write(tmp_path, "rel.json", release_package()), "-c", workspace).exit_code == 0
    )
    eco = write(tmp_path, "eco.json", effective(eco_package(), US01=TODAY, DE01=cutover))
    result = cli("sync", eco, "-c", workspace)
    assert result.exit_code == 0, result.output
    assert "staged" in result.output and str(cutover) in result.output
    assert bom_in_use(workspace, "US01", "PMP-40") == "PMP-40 rev B"  # effective today: at once
    assert bom_in_use(workspace, "DE01", "PMP-40") == "PMP-40 rev A"  # still the old one
    with erp_db(workspace, "DE01") as db:  # rev B is prepared, just not in use
        assert db.execute(
            "SELECT COUNT(*) FROM production_bom WHERE name = 'PMP-40 rev B'"
        ).fetchone() == (1,)

    early = cli("activate", "--as-of", str(cutover - dt.timedelta(days=1)), "-c", workspace)
    assert "Nothing staged is effective" in early.output
    assert bom_in_use(workspace, "DE01", "PMP-40") == "PMP-40 rev A"
    due = cli("activate", "--as-of", str(cutover), "-c", workspace)
    assert due.exit_code == 0, due.output
    assert bom_in_use(workspace, "DE01", "PMP-40") == "PMP-40 rev B"
    assert bom_in_use(workspace, "DE01", "GRS-40") == "GRS-40 rev C"
    assert duplicates(workspace, "DE01") == []
    audit = cli("audit", "ECO-0012", "-c", workspace)
    assert "plant.activated" in audit.output


def test_an_erp_down_at_first_is_retried_until_the_change_is_in(workspace: Path) -> None:
    engine = engine_for(workspace, lambda target: FaultyErp(target, unavailable_calls=3))
    try:
        engine.submit(release_package().model_dump_json().encode())
        engine.run_until_idle()
        rows = engine.status()
        assert {row.state for row in rows} == {JobState.SUCCEEDED}
        assert all(row.attempts >= 1 for row in rows)
    finally:
        engine.close()
    assert bom_in_use(workspace, "US01", "PMP-40") == "PMP-40 rev A"


def _map_liter_to(config: Path, symbol: str) -> None:
    text = config.read_text(encoding="utf-8")
    lines = text.splitlines()
    at = lines.index("  L:")
    lines[at + 1] = f"    erp: {symbol}"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_refused_change_is_dead_lettered_then_replayed_after_the_fix(
    workspace: Path, tmp_path: Path
) -> None:
    _map_liter_to(workspace, "litre")  # Tryton's symbol is "l": the oil cannot be written
    package = write(tmp_path, "rel.json", release_package())
    failed = cli("sync", package, "-c", workspace)
    assert failed.exit_code == 1, failed.output
    listed = cli("dead", "list", "-c", workspace)
    assert listed.output.count("PLMSYNC-CONFIG") == 2
    saved = tmp_path / "kept.json"
    shown = cli("dead", "show", "1", "--save", saved, "-c", workspace)
    assert "litre" in shown.output
    assert saved.read_bytes() == package.read_bytes()  # the original payload, byte for byte
    with erp_db(workspace, "US01") as db:
        assert db.execute("SELECT COUNT(*) FROM product_product").fetchone() == (0,)

    _map_liter_to(workspace, "l")  # the cause is fixed
    for letter in ("1", "2"):
        replayed = cli("dead", "replay", letter, "--run", "-c", workspace)
        assert replayed.exit_code == 0, replayed.output
    assert "0 dead letter(s)" in cli("dead", "list", "-c", workspace).output
    for plant in PLANTS:
        assert bom_in_use(workspace, plant, "PMP-40") == "PMP-40 rev A"
        assert duplicates(workspace, plant) == []


def test_audit_verify_passes_then_names_the_row_altered_in_the_database(
    workspace: Path, tmp_path: Path
) -> None:
    assert (
        cli("sync", write(tmp_path, "rel.json", release_package()), "-c", workspace).exit_code == 0
    )
    intact = cli("audit", "verify", "-c", workspace)
    assert intact.exit_code == 0 and "intact" in intact.output
    with closing(sqlite3.connect(workspace.parent / "state.sqlite")) as db, db:
        (sequence,) = db.execute(
            "SELECT MIN(sequence) FROM audit WHERE action = 'erp.posted'"
        ).fetchone()
        db.execute("UPDATE audit SET record_ids = '[999]' WHERE sequence = ?", (sequence,))
    broken = cli("audit", "verify", "-c", workspace)
    assert broken.exit_code == 1
    assert f"broken at entry {sequence} (erp.posted, REL-0007" in broken.output


def test_submit_then_worker_exit_when_idle(workspace: Path, tmp_path: Path) -> None:
    package = write(tmp_path, "rel.json", release_package())
    submitted = cli("submit", package, package, "-c", workspace)
    assert "queued for US01" in submitted.output and "duplicate of inbox #1" in submitted.output
    worked = cli("worker", "--exit-when-idle", "--threads", "2", "-c", workspace)
    assert worked.exit_code == 0, worked.output
    assert "Worker stopped after 2 job run(s)" in worked.output
    status = cli("status", "-c", workspace)
    assert status.output.count("succeeded") == 2
