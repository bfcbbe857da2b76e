"""Peak memory of a 100,000-line release through parse, validate, derive, diff and plan
against empty in-memory ERPs (2 plants), goal ≤ 1 GB.

The package is generated and written to a file first; a fresh interpreter then reads the
bytes and plans the sync, and reports its peak resident set (VmHWM), next to
the peak after its imports alone (the interpreter and libraries, before any package).

    python -m bench.memory_bench [--lines 100000 --items 25000]
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from plmsync import generator

app = typer.Typer(add_completion=False)
GOAL = "≤ 1 GB peak"
MIB = 1024 * 1024


@dataclass(frozen=True)
class MemoryResult:
    lines: int
    items: int
    steps: int
    baseline_mib: float
    peak_mib: float


def _peak_bytes() -> int:
    """This process's peak RSS. Linux's VmHWM starts afresh at exec; getrusage's maxrss
    would carry the parent's peak over from the fork (the fallback elsewhere)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss if sys.platform == "darwin" else maxrss * 1024  # bytes on macOS, else KiB


def plan_in_this_process(path: Path) -> dict[str, int]:
    """The child's work: everything plmsync does before posting, on the file's bytes."""
    from plmsync.config import FakeTarget, PlantConfig, WorkspaceConfig
    from plmsync.pipeline.fetch import parse_package
    from plmsync.pipeline.run import Pipeline
    from plmsync.testing.fake_erp import InMemoryErp

    baseline = _peak_bytes()
    package = parse_package(path.read_bytes())
    plants = package.plant_codes
    config = WorkspaceConfig(
        plants={p: PlantConfig(target=p) for p in plants},
        targets={p: FakeTarget(kind="memory") for p in plants},
    )
    targets = {p: InMemoryErp(name=p, units=config.units) for p in plants}
    plans = Pipeline(config, targets).plan(package)  # validate, derive, read, diff, plan
    return {
        "baseline": baseline,
        "peak": _peak_bytes(),
        "steps": sum(len(plan.actionable) for plan in plans.values()),
    }


def measure(shape: generator.Shape, work: Path) -> MemoryResult:
    package = generator.release(shape)
    path = work / "release.json"
    path.write_bytes(package.model_dump_json().encode())
    child = subprocess.run(
        [sys.executable, "-m", "bench.memory_bench", "child", str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    found = json.loads(child.stdout.strip().splitlines()[-1])
    return MemoryResult(
        lines=sum(len(b.lines) for b in package.boms),
        items=len(package.items),
        steps=found["steps"],
        baseline_mib=found["baseline"] / MIB,
        peak_mib=found["peak"] / MIB,
    )


def markdown(result: MemoryResult, command: str) -> str:
    verdict = "met" if result.peak_mib <= 1024 else "missed"
    return (
        "\n".join(
            [
                f"Release of {result.items:,} items / {result.lines:,} BOM lines, 2 plants, parsed "
                f"and planned against empty in-memory ERPs ({result.steps:,} steps); `{command}`; "
                f"goal {GOAL} ({verdict}).",
                "",
                "| Peak RSS (MiB) | of which the interpreter and imports (MiB) |",
                "|---|---|",
                f"| {result.peak_mib:,.0f} | {result.baseline_mib:,.0f} |",
            ]
        )
        + "\n"
    )


@app.command("measure")
def main(
    lines: Annotated[int, typer.Option(min=1)] = 100_000,
    items: Annotated[int, typer.Option(min=2)] = 25_000,
    seed: int = 7,
) -> None:
    shape = generator.Shape(items=items, lines=lines, seed=seed)
    with tempfile.TemporaryDirectory(prefix="plmsync-memory-") as work:
        result = measure(shape, Path(work))
    command = f"python -m bench.memory_bench measure --lines {lines} --items {items}"
    typer.echo(markdown(result, command))


@app.command("child", hidden=True)
def child(path: Path) -> None:
    sys.stdout.write(json.dumps(plan_in_this_process(path)) + "\n")


if __name__ == "__main__":
    app()
