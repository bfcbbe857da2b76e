"""`plmsync demo`: a two-plant workspace, an initial release, then an ECO — on real Tryton —
and two changes that need a person (one held for review, one refused by the plants), so the
dashboard has something for everyone to do. It ends by saying how to open the dashboard."""

from __future__ import annotations

import datetime as dt
import shutil
import time
from importlib import resources
from pathlib import Path

from rich.console import Console
from rich.panel import Panel

from plmsync.api.bootstrap import open_clients
from plmsync.api.clients import ClientRegistry
from plmsync.bootstrap import build_engine
from plmsync.cli.engine_sync import result_table, sync_file
from plmsync.config import WorkspaceConfig, load_config
from plmsync.domain.errors import ConfigError
from plmsync.engine.service import Engine
from plmsync.engine.status import job_rows
from plmsync.pipeline.fetch import parse_package
from plmsync.workspace import CONFIG_NAME, PlantSpec, init_workspace

DEMO_PLANTS = (PlantSpec("US01", "NA"), PlantSpec("DE01", "EU"))
SAMPLES = ("gp40_release.json", "gp40_eco.json")
# Submitted as a PLM feed would, without the CLI's pre-check: the first doubles the oil fill
# (held by the checkpoint below), the second carries a unit typed wrong in PLM (dead letter).
NEEDS_PEOPLE = ("gp40_trial.json", "gp40_oil_typo.json")
DEMO_RULES = """
rules:
  checkpoints:
    quantity_change_above_pct: 50  # a BOM quantity that changes by more waits for engineering
"""
PLANNER = "planner"
PLANNER_SCOPES = ("changes:read", "reviews:approve", "deadletters:manage")


def run_demo(directory: Path, console: Console) -> None:
    started = time.perf_counter()
    _fresh(directory)
    with console.status("Creating the demo workspace with an ERP database per plant…"):
        config_path = init_workspace(directory, DEMO_PLANTS)
    with config_path.open("a", encoding="utf-8") as handle:
        handle.write(DEMO_RULES)
    console.print(f"Workspace [bold]{config_path}[/] with plants US01 (NA) and DE01 (EU)")
    files = _write_samples(directory / "packages", SAMPLES)
    extra = _write_samples(directory / "packages", NEEDS_PEOPLE)
    config = load_config(config_path)
    engine = build_engine(config)
    try:
        ok = True
        for path in files:
            package = parse_package(path.read_bytes(), origin=path.name)
            console.print(Panel(f"{package.change.number}: {package.change.title}", expand=False))
            ok = sync_file(engine, path, console) and ok
        console.print(Panel("The same ECO delivered again: recorded, not posted", expand=False))
        ok = sync_file(engine, files[-1], console) and ok
        _needs_people(engine, extra, console)
    finally:
        engine.close()
    secret = _planner(config)
    _closing(console, directory, files, ok, time.perf_counter() - started)
    _dashboard_hint(console, config_path, secret)


def _needs_people(engine: Engine, files: list[Path], console: Console) -> None:
    console.print(Panel("Two more changes from the PLM feed: they need a person", expand=False))
    jobs = [job.id for path in files for job in engine.submit(path.read_bytes()).jobs]
    engine.run_until_settled(jobs)
    for path in files:
        number = _change(path)
        rows = [row for row in job_rows(engine.store, jobs) if row.change == number]
        console.print(result_table(number, rows))


def _planner(config: WorkspaceConfig) -> str:
    """A dashboard sign-in for the demo (a client; its secret is shown once, below)."""
    clients = open_clients(config)
    try:
        _, secret = ClientRegistry(clients).add(PLANNER, PLANNER_SCOPES, dt.datetime.now(dt.UTC))
    finally:
        clients.close()
    return secret


def _dashboard_hint(console: Console, config: Path, secret: str) -> None:
    console.print(
        Panel(
            f"[bold]The dashboard[/]: run\n  .venv/bin/plmsync serve --config {config}\n"
            f"then open http://127.0.0.1:8000/ui/ and sign in as [bold]{PLANNER}[/] with the "
            f"secret\n  {secret}\n(shown once; `plmsync clients add` makes more). One change "
            "waits for your review and one for a corrected replay (its unit LTR should be L).",
            expand=False,
        ),
        highlight=False,
    )


def _fresh(directory: Path) -> None:
    """Start from a clean demo workspace; refuse to delete anything that is not one."""
    if not directory.exists():
        return
    if not (directory / CONFIG_NAME).is_file() or not (directory / "erp").is_dir():
        raise ConfigError(
            f"{directory} exists and is not a plmsync demo workspace",
            remedy="Pass --dir with a new or an earlier demo directory.",
        )
    shutil.rmtree(directory)


def _write_samples(folder: Path, names: tuple[str, ...]) -> list[Path]:
    """The sample packages as files in the workspace, so the user can replay them by hand."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in names:
        path = folder / name
        path.write_bytes(resources.files("plmsync.samples").joinpath(name).read_bytes())
        paths.append(path)
    return paths


def _closing(
    console: Console, directory: Path, files: list[Path], ok: bool, seconds: float
) -> None:
    verdict = "[green]done[/]" if ok else "[red]finished with problems[/]"
    console.print(f"Demo {verdict} in {seconds:.1f} s. Try next:", highlight=False)
    config = directory / CONFIG_NAME
    for command in (
        f"plmsync status --config {config}",
        f"plmsync audit {_change(files[-1])} --config {config}",
        f"plmsync plan {files[0]} --config {config} --all",
        f"sqlite3 {directory}/erp/DE01.sqlite 'select code, plm_revision from product_product'",
    ):
        console.print(
            f"  .venv/bin/{command}" if command.startswith("plmsync") else f"  {command}",
            highlight=False,
        )


def _change(path: Path) -> str:
    return parse_package(path.read_bytes()).change.number
