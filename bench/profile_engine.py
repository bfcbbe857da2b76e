"""Profile the durable engine draining a backlog like the one `make load` builds: the load's
release synced first, then `--ecos` generated ECOs queued at once for its 4 in-memory plants
and drained by one worker, under pyinstrument (the worker's loop runs on the calling thread,
so the profile sees all of it).

    python -m bench.profile_engine [--ecos 60] [--out bench/out/profile.txt]
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer
from pyinstrument import Profiler

from bench.load import PLANTS, SHAPE, approved_now
from bench.load_server import workspace_settings
from plmsync import generator
from plmsync.bootstrap import build_engine
from plmsync.config import WorkspaceConfig
from plmsync.engine.worker import idle

app = typer.Typer(add_completion=False)


@app.command()
def main(
    ecos: Annotated[int, typer.Option(min=1, help="ECOs queued before the drain.")] = 60,
    out: Annotated[Path, typer.Option(help="Text profile to write.")] = Path(
        "bench/out/profile.txt"
    ),
) -> None:
    release = approved_now(generator.release(SHAPE, number="REL-LOAD"))
    stream = generator.Stream(count=ecos, start=dt.datetime.now(dt.UTC), seed=17)
    packages = generator.eco_stream(release, PLANTS, stream)
    with tempfile.TemporaryDirectory(prefix="plmsync-profile-") as work:
        config = WorkspaceConfig.model_validate(
            {**workspace_settings(PLANTS, threads=1), "base_dir": Path(work)}
        )
        engine = build_engine(config)
        try:
            engine.submit(release.model_dump_json().encode())
            engine.run_until_idle()
            for package in packages:
                engine.submit(package.model_dump_json().encode())
            profiler = Profiler()
            started = time.perf_counter()
            (worker,) = engine.workers(1, None)
            with profiler:  # the worker's loop on this thread, where pyinstrument looks
                worker.run(idle(engine.store))
            seconds = time.perf_counter() - started
        finally:
            engine.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(profiler.output_text(unicode=True, show_all=False), encoding="utf-8")
    jobs = ecos * len(PLANTS)
    typer.echo(f"{jobs} jobs drained in {seconds:.1f} s ({jobs / seconds:.1f} jobs/s); {out}")


if __name__ == "__main__":
    app()
