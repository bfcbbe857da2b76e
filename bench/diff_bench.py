"""`make bench-diff`: plmsync's diff of large BOMs against DeepDiff (`group_by`), same input.

A plant's TargetState holds a few BOMs with N lines in all; the ERP's copy differs in about
1 % of the lines (quantity changes, a few lines removed and added). Both tools get the same
records: plmsync its frozen dataclasses, DeepDiff the same lines as dicts grouped by find
number (the conversion is not timed). Best of `--repeat` runs; the goal is issue #8's:
≤ 0.2 s for 100k lines and at least 40 times faster than DeepDiff.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from decimal import Decimal
from typing import Annotated, Any

import typer

from bench.machine import describe
from plmsync.domain.state import BomLineRecord, BomRecord, TargetState
from plmsync.pipeline.diff import diff, line_changes

app = typer.Typer(add_completion=False)
GOAL_SECONDS = 0.2
GOAL_RATIO = 40.0


@dataclass(frozen=True)
class Case:
    lines: int
    boms: int
    desired: TargetState
    actual: TargetState
    changed: int


@dataclass(frozen=True)
class Result:
    case: Case
    diff_s: float
    line_changes_s: float
    deepdiff_s: float
    found: int
    deepdiff_found: int

    @property
    def ratio(self) -> float:
        return self.deepdiff_s / self.diff_s


def build(lines: int, boms: int, fraction: float, seed: int) -> Case:
    """`boms` BOMs with `lines` lines in all; the actual state differs in `fraction` of them."""
    rng = random.Random(seed)
    per_bom = lines // boms
    desired: dict[str, BomRecord] = {}
    actual: dict[str, BomRecord] = {}
    changed = 0
    for b in range(boms):
        item = f"A1-{b:05d}"
        wanted = [
            BomLineRecord(
                find_number=10 * (n + 1),
                component=f"P-{rng.randrange(lines):06d}",
                quantity=Decimal(rng.randint(1, 40)) / 4,
                uom="EA",
            )
            for n in range(per_bom)
        ]
        current = list(wanted)
        touched = rng.sample(range(per_bom), max(1, int(per_bom * fraction)))
        for index in touched:
            line = current[index]
            kind = rng.random()
            if kind < 0.8:  # quantity change
                current[index] = replace(line, quantity=line.quantity + 1)
            elif kind < 0.9:  # component swap
                current[index] = replace(line, component=line.component + "-OLD")
            else:  # a line the ERP has that PLM dropped, and one PLM added
                current[index] = replace(line, find_number=line.find_number + 5)
        changed += len(touched)
        desired[item] = BomRecord(item, "B", tuple(wanted))
        actual[item] = BomRecord(item, "B", tuple(sorted(current, key=lambda ln: ln.find_number)))
    return Case(lines, boms, TargetState(boms=desired), TargetState(boms=actual), changed)


def best(action: Callable[[], object], repeat: int) -> tuple[float, object]:
    seconds, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        seconds = min(seconds, time.perf_counter() - started)
    return seconds, result


def as_dicts(bom: BomRecord) -> list[dict[str, Any]]:
    return [asdict(line) for line in bom.lines]


def measure(case: Case, repeat: int, deepdiff_repeat: int) -> Result:
    from deepdiff import DeepDiff

    desired, actual = case.desired.boms, case.actual.boms
    diff_s, steps = best(lambda: diff(case.desired, case.actual), repeat)
    assert isinstance(steps, list)
    found = sum(len(step.line_changes) for step in steps)
    lc_s, _ = best(
        lambda: [line_changes(actual[k].lines, b.lines) for k, b in desired.items()], repeat
    )
    pairs = [(as_dicts(actual[k]), as_dicts(b)) for k, b in desired.items()]

    def deep() -> list[DeepDiff]:
        return [DeepDiff(old, new, group_by="find_number") for old, new in pairs]

    dd_s, reports = best(deep, deepdiff_repeat)
    assert isinstance(reports, list)
    dd_found = sum(_deepdiff_lines(report) for report in reports)
    return Result(case, diff_s, lc_s, dd_s, found, dd_found)


def _deepdiff_lines(report: Any) -> int:
    """Find numbers DeepDiff reports as added, removed or changed."""
    keys: set[str] = set()
    for paths in report.values():
        for path in paths:
            keys.add(str(path).split("]")[0])
    return len(keys)


def markdown(results: list[Result], command: str) -> str:
    out = [
        "## Diff of large BOMs vs DeepDiff",
        "",
        f"`{command}` — best of the runs; ~1 % of lines changed; DeepDiff with "
        "`group_by='find_number'` on the same lines as dicts.",
        "",
        "| BOM lines (BOMs) | lines changed | plmsync `diff` (s) | `line_changes` (s) "
        "| DeepDiff (s) | DeepDiff ÷ plmsync | goal | met |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        goal_s = r.case.lines < 100_000 or r.diff_s <= GOAL_SECONDS
        met = "yes" if goal_s and r.ratio >= GOAL_RATIO else "**no**"
        goal = f"≥ {GOAL_RATIO:.0f}×" + (f", ≤ {GOAL_SECONDS} s" if r.case.lines >= 100_000 else "")
        out.append(
            f"| {r.case.lines:,} ({r.case.boms}) | {r.found:,} (DeepDiff {r.deepdiff_found:,}) "
            f"| {r.diff_s:.4f} | {r.line_changes_s:.4f} | {r.deepdiff_s:.2f} | {r.ratio:.0f}× "
            f"| {goal} | {met} |"
        )
    machine = describe()
    out += ["", f"Machine: {machine['CPU']}, Python {machine['Python']}."]
    return "\n".join(out) + "\n"


@app.command()
def main(
    sizes: Annotated[str, typer.Option(help="Total BOM lines per case, comma separated.")] = (
        "10000,100000"
    ),
    boms: Annotated[int, typer.Option(help="BOMs the lines are spread over.")] = 4,
    fraction: Annotated[float, typer.Option(help="Share of lines changed.")] = 0.01,
    seed: int = 7,
    repeat: Annotated[int, typer.Option(help="Runs of plmsync; the best counts.")] = 5,
    deepdiff_repeat: Annotated[int, typer.Option(help="Runs of DeepDiff.")] = 1,
) -> None:
    results = [
        measure(build(int(size), boms, fraction, seed), repeat, deepdiff_repeat)
        for size in sizes.split(",")
    ]
    command = (
        f"python -m bench.diff_bench --sizes {sizes} --boms {boms} --fraction {fraction} "
        f"--seed {seed} --repeat {repeat} --deepdiff-repeat {deepdiff_repeat}"
    )
    typer.echo(markdown(results, command))


if __name__ == "__main__":
    app()
