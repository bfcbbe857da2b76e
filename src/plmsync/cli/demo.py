"""`plmsync demo`: a two-plant workspace, an initial release, then an ECO — on real Tryton."""

from __future__ import annotations

import shutil
import time
from importlib import resources
from pathlib import Path

from rich.console import Console
from rich.panel import Panel

from plmsync.bootstrap import build_pipeline, close_targets
from plmsync.cli.sync_view import run_sync
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
    pipeline = build_pipeline(load_config(config_path))
    try:
        for sample in SAMPLES:
            package = parse_package(_sample(sample), origin=sample)
            console.print(Panel(f"{package.change.number}: {package.change.title}", expand=False))
            run_sync(pipeline, package, ())
        console.print(Panel("The same ECO again: nothing left to do", expand=False))
        again = run_sync(pipeline, parse_package(_sample(SAMPLES[-1])), ())
    finally:
        close_targets(dict(pipeline.targets))
    _closing(console, directory, again.ok, time.perf_counter() - started)


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


def _sample(name: str) -> bytes:
    return resources.files("plmsync.samples").joinpath(name).read_bytes()


def _closing(console: Console, directory: Path, ok: bool, seconds: float) -> None:
    verdict = "[green]done[/]" if ok else "[red]finished with problems[/]"
    console.print(f"Demo {verdict} in {seconds:.1f} s. Try next:")
    config = directory / CONFIG_NAME
    console.print(f"  plmsync plan examples/gp40-release.json --config {config} --all")
    console.print(f"  sqlite3 {directory}/erp/DE01.sqlite 'select code from product_product'")
