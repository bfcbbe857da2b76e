"""`python -m bench.scale_out`: K worker processes on PostgreSQL against 1, draining changes
for 4 independent plant ERPs (issue #7's goal: at least 1.8x faster with 4 workers).

Each plant is its own ERP target, a `FileErp` (the fake ERP's rules in a file shared by
processes) that takes `--latency` seconds per call, as a remote ERP does over the network.
Each plant receives its own history of changes (`--changes` full revisions of a generated
release that names only that plant), so the plants' queues are independent: one worker
must drain them one after another, four can drain them side by side. Workers are started
first and idle (LISTEN) until the changes arrive; the time measured is from delivery to the
last job settled, so process start-up is not counted for either side.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
import typer
from tests.reliability.workload import history

from bench.machine import describe
from plmsync import generator
from plmsync.bootstrap import build_engine
from plmsync.config import EngineConfig, FakeTarget, PlantConfig, WorkspaceConfig
from plmsync.domain.package import ChangePackage
from plmsync.engine.model import JobState
from plmsync.engine.processes import WorkerSpec, start_worker
from plmsync.engine.service import Engine
from plmsync.engine.worker import SETTLED
from plmsync.persistence import upgrade
from plmsync.persistence.sessions import limited_url
from plmsync.ports.erp import ErpTarget
from plmsync.testing.file_erp import FileErp

app = typer.Typer(add_completion=False)
PLANTS = (("P1", "NA"), ("P2", "EU"), ("P3", "NA"), ("P4", "EU"))
GOAL = 1.8
ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


@dataclass(frozen=True)
class PlantErps:
    """A worker's engine: the workspace's store, each plant's ERP a slow FileErp."""

    config: WorkspaceConfig
    erp_dir: Path
    latency: float

    def __call__(self) -> Engine:
        return build_engine(self.config, wrap_target=self._target)

    def _target(self, configured: ErpTarget) -> ErpTarget:
        return FileErp(self.erp_dir / f"{configured.name}.erp", latency=self.latency)


def changes(per_plant: int) -> list[ChangePackage]:
    """Per plant, a release and `per_plant - 1` full revisions of it, naming that plant only
    (the reliability suite's workload, tests/reliability/workload.py, one plant at a time),
    in the order a PLM would send them: the plants' changes interleaved."""
    streams = []
    for n, (plant, region) in enumerate(PLANTS):
        shape = generator.Shape(items=110, lines=260, depth=3, plants=((plant, region),), seed=n)
        streams.append([_for_plant(package, plant) for package in history(shape, per_plant)])
    return [package for revision in zip(*streams, strict=True) for package in revision]


def _for_plant(package: ChangePackage, plant: str) -> ChangePackage:
    """Change numbers and event ids of their own, so no plant's change repeats another's."""
    change = package.change.model_copy(update={"number": f"{package.change.number}-{plant}"})
    event_id = f"{package.source.event_id}-{plant}"
    source = package.source.model_copy(update={"event_id": event_id})
    return package.model_copy(update={"change": change, "source": source})


@contextlib.contextmanager
def scratch(admin: str) -> Iterator[str]:
    name = f"plmsync_bench_{time.monotonic_ns()}"
    engine = sa.create_engine(sa.make_url(admin).set(drivername="postgresql+psycopg"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
        db.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.make_url(admin).set(drivername="postgresql+psycopg", database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
            db.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        engine.dispose()


def drain(workers: int, packages: list[ChangePackage], latency: float, admin: str) -> float:
    with scratch(admin) as url, tempfile.TemporaryDirectory() as directory:
        upgrade(url)
        config = WorkspaceConfig(
            plants={p: PlantConfig(target=p, region=r) for p, r in PLANTS},
            targets={p: FakeTarget(kind="memory") for p, _ in PLANTS},
            engine=EngineConfig(url=limited_url(url), poll_seconds=1.0, lock_wait_seconds=0.2),
            base_dir=Path(directory),
        )
        factory = PlantErps(config, Path(directory) / "erp", latency)
        processes = [start_worker(WorkerSpec(factory), f"worker-{n}") for n in range(workers)]
        engine = factory()
        try:
            time.sleep(3)  # every worker started and listening
            started = time.perf_counter()
            for package in packages:
                engine.submit(package.model_dump_json().encode())
            while any(j.state not in SETTLED for j in engine.store.jobs()):
                time.sleep(0.05)
            seconds = time.perf_counter() - started
            states = {j.state for j in engine.store.jobs()}
        finally:
            engine.close()
            for process in processes:
                process.terminate()
                process.join(30)
        if states != {JobState.SUCCEEDED}:
            raise SystemExit(f"{workers} worker(s): jobs ended {states}, not all succeeded")
        return seconds


@app.command()
def main(
    workers: Annotated[int, typer.Option(help="Worker processes to compare with one.")] = 4,
    per_plant: Annotated[int, typer.Option("--changes", help="Changes per plant.")] = 4,
    latency: Annotated[float, typer.Option(help="Seconds per ERP call.")] = 0.2,
    admin: Annotated[str, typer.Option(help="PostgreSQL to create scratch databases on.")] = ADMIN,
) -> None:
    packages = changes(per_plant)
    one = drain(1, packages, latency, admin)
    many = drain(workers, packages, latency, admin)
    jobs = len(packages)
    print(f"machine: {describe()}")
    print(
        f"{jobs} jobs ({per_plant} per plant, 4 plants), ERP latency {latency * 1000:.0f} ms/call"
    )
    print(f"1 worker: {one:.1f} s ({jobs / one:.2f} jobs/s)")
    print(f"{workers} workers: {many:.1f} s ({jobs / many:.2f} jobs/s)")
    speedup = one / many
    print(f"speed-up {speedup:.2f}x (goal >= {GOAL}x): {'met' if speedup >= GOAL else 'NOT met'}")


if __name__ == "__main__":
    app()
