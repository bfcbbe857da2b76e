"""`make bench`: every benchmark of issue #8, measured in one run on this machine and written
to docs/benchmarks.md, each section with the command that measures it alone:

1. a release (5,000 items / 20,000 BOM lines, 2 plants) and a 1 % ECO into embedded Tryton,
   against the ERP's own bulk-write floor (bench.run);
2. the diff of 10k- and 100k-line BOMs against DeepDiff (bench.diff_bench);
3. job queue throughput, webhook → posted latency, peak memory of a 100,000-line release,
   ERP writes issued vs records changed (bench.more);
4. 1 vs 4 worker processes on PostgreSQL draining 4 plants (bench.scale_out).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer

from bench import diff_bench, more, queue_bench, run, scale_out
from plmsync import generator

app = typer.Typer(add_completion=False)


def release_section(work: Path, items: int, lines: int, seed: int) -> str:
    shape = generator.Shape(items=items, lines=lines, seed=seed)
    rows = run.measure(shape, work)
    return run.markdown(
        rows, shape, f"python -m bench.run --items {items} --lines {lines} --seed {seed}"
    )


def diff_section(seed: int) -> str:
    sizes = (10_000, 100_000)
    results = [diff_bench.measure(diff_bench.build(size, 4, 0.01, seed), 5, 1) for size in sizes]
    command = f"python -m bench.diff_bench --sizes 10000,100000 --seed {seed}"
    return diff_bench.markdown(results, command)


def scale_out_section(workers: int, per_plant: int, latency: float, admin: str) -> str:
    packages = scale_out.changes(per_plant)
    one = scale_out.drain(1, packages, latency, admin)
    many = scale_out.drain(workers, packages, latency, admin)
    jobs = len(packages)
    speedup = one / many
    met = "yes" if speedup >= scale_out.GOAL else "**no**"
    command = (
        f"python -m bench.scale_out --workers {workers} --changes {per_plant} --latency {latency}"
    )
    return "\n".join(
        [
            "## Scale-out: worker processes on PostgreSQL, 4 plant ERP targets",
            "",
            f"`{command}` — {jobs} jobs ({per_plant} per plant), each ERP call takes "
            f"{latency * 1000:.0f} ms as a remote ERP would.",
            "",
            "| workers | seconds | jobs/s | speed-up | goal | met |",
            "|---|---|---|---|---|---|",
            f"| 1 | {one:.1f} | {jobs / one:.2f} | 1.00× | — | — |",
            f"| {workers} | {many:.1f} | {jobs / many:.2f} | {speedup:.2f}× "
            f"| ≥ {scale_out.GOAL}× | {met} |",
            "",
        ]
    )


@app.command()
def main(
    out: Annotated[Path, typer.Option(help="Markdown file to write.")] = Path("docs/benchmarks.md"),
    items: int = 5_000,
    lines: int = 20_000,
    seed: int = 7,
    pg: Annotated[
        str, typer.Option(help="PostgreSQL for the queue rows.")
    ] = queue_bench.DEFAULT_PG,
    admin: Annotated[str, typer.Option(help="PostgreSQL for scale-out.")] = scale_out.ADMIN,
    jobs: int = 2_000,
    runs: int = 20,
    memory_lines: int = 100_000,
    workers: int = 4,
    per_plant: int = 4,
    latency: float = 0.2,
) -> None:
    with tempfile.TemporaryDirectory(prefix="plmsync-bench-") as work:
        parts = [
            release_section(Path(work) / "release", items, lines, seed),
            diff_section(seed),
            "\n".join(more.extra_sections(Path(work) / "more", pg, jobs, runs, memory_lines)),
            scale_out_section(workers, per_plant, latency, admin),
        ]
    text = "\n".join(parts)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    typer.echo(text)


if __name__ == "__main__":
    app()
