"""The cost of durability: one generated release synced through the durable engine (inbox,
job rows, leases, step records, hash-chained audit, per-plant worker threads) versus the
skeleton's direct `Pipeline.sync`, each on fresh embedded Tryton databases.

    python -m bench.durability [--items 1000 --lines 5000 --seed 7 --threads 1 --repeat 3]
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from statistics import median
from typing import Annotated

import typer

from bench.machine import describe
from bench.workspaces import workspace
from plmsync import generator
from plmsync.bootstrap import build_engine, build_pipeline, close_targets
from plmsync.config import EngineConfig
from plmsync.domain.package import ChangePackage
from plmsync.engine.model import JobState

app = typer.Typer(add_completion=False)


def direct_seconds(work: Path, shape: generator.Shape, package: ChangePackage) -> float:
    pipeline = build_pipeline(workspace(work, shape))
    try:
        started = time.perf_counter()
        report = pipeline.sync(package)
        seconds = time.perf_counter() - started
    finally:
        close_targets(dict(pipeline.targets))
    if not report.ok:
        raise SystemExit(f"direct sync failed: {report}")
    return seconds


def engine_seconds(
    work: Path, shape: generator.Shape, package: ChangePackage, threads: int
) -> float:
    config = workspace(work, shape).model_copy(
        update={"engine": EngineConfig(worker_threads=threads)}
    )
    engine = build_engine(config)  # creates and migrates the state database, outside the timing
    try:
        started = time.perf_counter()
        engine.submit(package.model_dump_json().encode())
        engine.run_until_idle()
        seconds = time.perf_counter() - started
        states = {row.state for row in engine.status()}
    finally:
        engine.close()
    if states != {JobState.SUCCEEDED}:
        raise SystemExit(f"engine sync did not succeed: {states}")
    return seconds


@app.command()
def main(
    items: int = 1_000,
    lines: int = 5_000,
    seed: int = 7,
    threads: Annotated[int, typer.Option(help="Engine worker threads.")] = 1,
    repeat: Annotated[int, typer.Option(help="Runs of each, interleaved.")] = 3,
) -> None:
    """Runs alternate (direct, engine, direct, …) so a busy machine weighs on both alike;
    the ratio is of the medians."""
    shape = generator.Shape(items=items, lines=lines, seed=seed)
    package = generator.release(shape)
    direct: list[float] = []
    durable: list[float] = []
    for run in range(repeat):
        with tempfile.TemporaryDirectory(prefix="plmsync-durability-") as work:
            direct.append(direct_seconds(Path(work) / "direct", shape, package))
            durable.append(engine_seconds(Path(work) / "engine", shape, package, threads))
        typer.echo(f"run {run + 1}: direct {direct[-1]:.2f} s, engine {durable[-1]:.2f} s")
    lines_total = sum(len(b.lines) for b in package.boms)
    typer.echo(f"machine: {describe()}")
    typer.echo(f"release: {items} items, {lines_total} BOM lines, {len(shape.plants)} plants")
    typer.echo(f"direct Pipeline.sync: median {median(direct):.2f} s (min {min(direct):.2f})")
    typer.echo(
        f"durable engine, {threads} thread(s): median {median(durable):.2f} s "
        f"(min {min(durable):.2f})"
    )
    typer.echo(f"ratio engine / direct (medians): {median(durable) / median(direct):.2f}x")


if __name__ == "__main__":
    app()
