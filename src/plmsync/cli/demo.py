"""`plmsync demo`: a two-plant workspace, an initial release, then an ECO — on real Tryton."""

from __future__ import annotations

import shutil
import time
from importlib import resources
from pathlib import Path

from rich.console import Console
from rich.panel import Panel

from plmsync.bootstrap import build_engine
from plmsync.cli.engine_sync import sync_file
from plmsync.config import load_config
from plmsync.domain.errors import ConfigError
from plmsync.pipeline.fetch import parse_package
from plmsync.workspace import CONFIG_NAME, PlantSpec, init_workspace

DEMO_PLANTS = (PlantSpec("US01", "NA"), PlantSpec("DE01", "EU"))
SAMPLES = ("gp40_release.json", "gp40_eco.json")


def run_demo(directory: Path, console: Console) -> None:
    started = time.perf_counter()
    _fresh(directory)
    with console.status("Creating the demo workspace with an ERP database per plant…"):
        config_path = init_workspace(directory, DEMO_PLANTS)
    console.print(f"Workspace [bold]{config_path}[/] with plants US01 (NA) and DE01 (EU)")
    files = _write_samples(directory / "packages")
    engine = build_engine(load_config(config_path))
    try:
        ok = True
        for path in files:
            package = parse_package(path.read_bytes(), origin=path.name)
            console.print(Panel(f"{package.change.number}: {package.change.title}", expand=False))
            ok = sync_file(engine, path, console) and ok
        console.print(Panel("The same ECO delivered again: recorded, not posted", expand=False))
        ok = sync_file(engine, files[-1], console) and ok
    finally:
        engine.close()
    _closing(console, directory, files, ok, time.perf_counter() - started)


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


def _write_samples(folder: Path) -> list[Path]:
    """The sample packages as files in the workspace, so the user can replay them by hand."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in SAMPLES:
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
