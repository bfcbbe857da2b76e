"""`make load`: 200 generated ECOs across 4 plants streamed through the API while the
server's workers run; then the KPIs the service itself reports, per plant.

The scenario, end to end through public interfaces:
1. a fresh workspace of 4 plants (two in NA, one in EU, one in APAC) on in-memory ERP
   targets, its state in SQLite; an OAuth client for the load;
2. `plmsync serve` as a subprocess on a free port (API, workers and scheduler in one process);
3. the generated release (with substitutes, plant alternates, regional suppliers) through
   `POST /v1/changes`, and synced before the stream starts (the ECOs refer to its parts);
4. the ECO stream through `POST /v1/changes`, each ECO sent at the time PLM approved it
   (`--rate` per second), while the workers sync the earlier ones; some ECOs cut over weeks
   later in some plants, so those plants stage them;
5. once nothing is queued, running or retrying, `/metrics` and `/v1/changes` are read and
   summarised (Rich table on the console, Markdown in docs/load.md).

In-memory ERP targets keep the run within a couple of minutes on a laptop: what this
measures is plmsync (API, validation, durable queue, planning, audit), not Tryton, whose
cost `make bench` measures against its own bulk-write floor.

    python -m bench.load [--ecos 200 --rate 10 --threads 1 --out docs/load.md]
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from bench.load_report import LoadRun, markdown, summary_table
from bench.load_server import LoadWorkspace, Server
from bench.machine import describe
from plmsync import generator
from plmsync.domain.package import ChangePackage

app = typer.Typer(add_completion=False)

PLANTS = (("US01", "NA"), ("MX01", "NA"), ("DE01", "EU"), ("CN01", "APAC"))
SHAPE = generator.Shape(
    items=600, lines=2_400, depth=6, plants=PLANTS, seed=8, variety=generator.REALISTIC
)
SETTLE_TIMEOUT = 600.0


def stream_ecos(server: Server, ecos: int, rate: float, seed: int) -> tuple[float, float]:
    """Send the release, wait for it, then the ECOs at their approval times; returns when
    the first ECO went out and when the last job settled (monotonic seconds)."""
    release = approved_now(generator.release(SHAPE, number="REL-LOAD"))
    server.submit(release)
    server.wait_settled(SETTLE_TIMEOUT)
    lead = dt.timedelta(seconds=1)
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + lead
    stream = generator.Stream(
        count=ecos, start=start, every=dt.timedelta(seconds=1 / rate), seed=seed
    )
    packages = generator.eco_stream(release, PLANTS, stream)
    began = time.monotonic()
    for package in packages:
        assert package.change.approved_at is not None
        _sleep_until(package.change.approved_at)
        server.submit(package)
    server.wait_settled(SETTLE_TIMEOUT)
    return began, time.monotonic()


def approved_now(package: ChangePackage) -> ChangePackage:
    """The generator dates its release in the past (seeded output); approved now, its
    deployment latency is the sync's, not months."""
    now = dt.datetime.now(dt.UTC)
    change = package.change.model_copy(update={"approved_at": now})
    source = package.source.model_copy(update={"emitted_at": now})
    return package.model_copy(update={"change": change, "source": source})


def _sleep_until(moment: dt.datetime) -> None:
    delay = (moment - dt.datetime.now(dt.UTC)).total_seconds()
    if delay > 0:
        time.sleep(delay)


@app.command()
def main(
    out: Annotated[Path, typer.Option(help="Markdown file to write.")] = Path("docs/load.md"),
    ecos: Annotated[int, typer.Option(min=1, help="ECOs in the stream.")] = 200,
    rate: Annotated[float, typer.Option(min=0.1, help="ECOs approved per second.")] = 3.0,
    threads: Annotated[int, typer.Option(min=1, help="Worker threads of the server.")] = 1,
    seed: Annotated[int, typer.Option(help="Seed of the ECO stream.")] = 17,
    keep: Annotated[
        Path | None,
        typer.Option(help="Run in this new folder and keep it, to open the dashboard after."),
    ] = None,
) -> None:
    with _work_folder(keep) as work:
        workspace = LoadWorkspace.create(work, PLANTS, threads)
        with Server.start(workspace) as server:
            began, settled = stream_ecos(server, ecos, rate, seed)
            run = LoadRun.read(server, ecos=ecos, seconds=settled - began)
    command = (
        f"python -m bench.load --ecos {ecos} --rate {rate:g} --threads {threads} --seed {seed}"
    )
    summary_table(run).print()
    text = markdown(run, SHAPE, command, describe())
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    typer.echo(f"Wrote {out}")
    if keep is not None:
        typer.echo(
            f"The run's state is kept in {keep}: `plmsync serve --config {workspace.config}`, "
            f"then open http://127.0.0.1:8000/ui/ and sign in as {workspace.client_id} with "
            f"the secret in {workspace.secret_file} (the in-memory ERPs start empty again)."
        )


@contextmanager
def _work_folder(keep: Path | None) -> Iterator[Path]:
    if keep is None:
        with tempfile.TemporaryDirectory(prefix="plmsync-load-") as work:
            yield Path(work)
        return
    keep.mkdir(parents=True, exist_ok=False)  # never mixes a run into an older one
    yield keep.resolve()


if __name__ == "__main__":
    app()
