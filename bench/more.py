"""`make bench-more`: the benchmark rows besides the sync-vs-floor table of `make bench`,
each measured in this run and written with the command that reproduces it alone:

- job claim + complete throughput, SQLite and PostgreSQL, next to procrastinate (queue_bench);
- webhook → posted overhead beyond the ERP's write time, 20-line ECO (webhook_bench);
- peak memory of a 100,000-line release through parse … plan (memory_bench);
- ERP writes issued vs records changed for a 1 % ECO (writes_bench).

    python -m bench.more [--out docs/benchmarks-more.md] [--pg postgresql://…/postgres]
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from bench import memory_bench, queue_bench, webhook_bench, writes_bench
from bench.machine import describe
from plmsync import generator

app = typer.Typer(add_completion=False)


@app.command()
def main(
    out: Annotated[Path, typer.Option(help="Markdown file to write.")] = Path(
        "docs/benchmarks-more.md"
    ),
    pg: Annotated[str, typer.Option(help="PostgreSQL server for the queue rows.")] = (
        queue_bench.DEFAULT_PG
    ),
    jobs: int = 2_000,
    runs: int = 20,
    memory_lines: int = 100_000,
) -> None:
    sections = [
        "# plmsync benchmarks, more rows",
        "",
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC with `python -m bench.more` "
        "(`make bench-more`); each section names the command that measures it alone.",
    ]
    with tempfile.TemporaryDirectory(prefix="plmsync-more-") as work:
        sections += extra_sections(Path(work), pg, jobs, runs, memory_lines)
    sections += ["## Machine", "", "| | |", "|---|---|"]
    sections += [f"| {k} | {v} |" for k, v in describe().items()]
    text = "\n".join(sections) + "\n"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    typer.echo(text)


def extra_sections(work: Path, pg: str, jobs: int, runs: int, memory_lines: int) -> list[str]:
    """Queue, webhook latency, peak memory and ERP-write rows, each with its own command."""
    sections: list[str] = []
    results, note = queue_bench.measure(jobs, pg, queue_bench.DEFAULT_WORKERS)
    flags = " ".join(f"--workers {n}" for n in queue_bench.DEFAULT_WORKERS)
    command = f"python -m bench.queue_bench --jobs {jobs} {flags}"
    sections += ["", "## Queue throughput", "", queue_bench.markdown(results, note, command)]
    latency = webhook_bench.measure(runs, work / "webhook")
    sections += [
        "## Webhook → posted",
        "",
        webhook_bench.markdown(latency, _cmd("webhook_bench", f"--runs {runs}")),
    ]
    shape = generator.Shape(items=memory_lines // 4, lines=memory_lines)
    memory = memory_bench.measure(shape, work)
    args = f"measure --lines {memory_lines} --items {memory_lines // 4}"
    sections += [
        "## Peak memory",
        "",
        memory_bench.markdown(memory, _cmd("memory_bench", args)),
    ]
    writes_shape = generator.Shape()
    writes = writes_bench.measure(writes_shape, work / "writes")
    args = f"--items {writes_shape.items} --lines {writes_shape.lines}"
    sections += [
        "## ERP writes",
        "",
        writes_bench.markdown(writes, writes_shape, _cmd("writes_bench", args)),
    ]
    return sections


def _cmd(module: str, args: str) -> str:
    return f"python -m bench.{module} {args}"


if __name__ == "__main__":
    app()
