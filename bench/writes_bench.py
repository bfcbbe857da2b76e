"""ERP writes issued vs records actually changed, for a 1 % ECO (goal: equal).

The release is synced into fresh embedded Tryton databases (2 plants); then the generator's
1 % ECO. A wrapper around each ERP target counts the records plmsync asks it to write (one
per step handed to `apply` or `stage`: an item, a BOM with its lines, a routing, a document,
a source). The records that actually changed are counted independently: every plant's ERP
is read before and after the ECO (the release's items and the ECO's), and the records that
are new, gone or different are counted. A write of something already equal would show up as
issued but not changed.

    python -m bench.writes_bench [--items 1000 --lines 5000]
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from bench.workspaces import workspace
from plmsync import generator
from plmsync.bootstrap import build_pipeline, close_targets
from plmsync.connectors.erp.wrapper import ErpWrapper
from plmsync.domain.plan import Step
from plmsync.domain.state import ObjectKind, TargetState
from plmsync.ports.erp import ChangeRef, ErpTarget, Posting

app = typer.Typer(add_completion=False)
GOAL = "writes issued = records changed"


class CountingErp(ErpWrapper):
    """An `ErpTarget` that counts the records it is asked to write."""

    def __init__(self, inner: ErpTarget):
        super().__init__(inner)
        self.records_written = 0

    def apply(self, change: ChangeRef, steps: Sequence[Step]) -> list[Posting]:
        self.records_written += len(steps)
        return self.inner.apply(change, steps)

    def stage(self, change: ChangeRef, steps: Sequence[Step]) -> list[Posting]:
        self.records_written += len(steps)
        return self.inner.stage(change, steps)


def changed_records(before: TargetState, after: TargetState) -> int:
    """Records new, gone or different, over every kind of object."""
    changed = 0
    for kind in ObjectKind:
        old, new = before.of_kind(kind), after.of_kind(kind)
        changed += sum(1 for key in old.keys() | new.keys() if old.get(key) != new.get(key))
    return changed


@dataclass(frozen=True)
class WritesResult:
    assemblies: int
    issued: int
    changed: int


def measure(shape: generator.Shape, work: Path) -> WritesResult:
    release = generator.release(shape)
    eco = generator.eco(release)
    counters: list[CountingErp] = []

    def counted(target: ErpTarget) -> ErpTarget:
        counters.append(CountingErp(target))
        return counters[-1]

    pipeline = build_pipeline(workspace(work, shape), wrap_target=counted)
    items = {i.number for i in release.items} | {i.number for i in eco.items}
    try:
        _require_ok(pipeline.sync(release).ok, release.change.number)
        before = {p: pipeline.targets[p].read(items) for p in eco.plant_codes}
        issued_before = sum(c.records_written for c in counters)
        _require_ok(pipeline.sync(eco).ok, eco.change.number)
        issued = sum(c.records_written for c in counters) - issued_before
        after = {p: pipeline.targets[p].read(items) for p in eco.plant_codes}
    finally:
        close_targets(dict(pipeline.targets))
    changed = sum(changed_records(before[p], after[p]) for p in eco.plant_codes)
    return WritesResult(len(eco.boms), issued, changed)


def _require_ok(ok: bool, change: str) -> None:
    if not ok:
        raise SystemExit(f"sync of {change} failed")


def markdown(result: WritesResult, shape: generator.Shape, command: str) -> str:
    verdict = "met" if result.issued == result.changed else "missed"
    return (
        "\n".join(
            [
                f"1 % ECO ({result.assemblies} assemblies revised) after a release of "
                f"{shape.items:,} items / {shape.lines:,} BOM lines, {len(shape.plants)} plants, "
                f"embedded Tryton; `{command}`; goal {GOAL} ({verdict}).",
                "",
                "| ERP records written (issued) | ERP records changed (read before/after) |",
                "|---|---|",
                f"| {result.issued:,} | {result.changed:,} |",
            ]
        )
        + "\n"
    )


@app.command()
def main(
    items: Annotated[int, typer.Option(min=2)] = 1_000,
    lines: Annotated[int, typer.Option(min=1)] = 5_000,
    seed: int = 7,
) -> None:
    shape = generator.Shape(items=items, lines=lines, seed=seed)
    with tempfile.TemporaryDirectory(prefix="plmsync-writes-") as work:
        result = measure(shape, Path(work))
    command = f"python -m bench.writes_bench --items {items} --lines {lines} --seed {seed}"
    typer.echo(markdown(result, shape, command))


if __name__ == "__main__":
    app()
