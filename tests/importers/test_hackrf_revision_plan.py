"""Acceptance: two revisions of the HackRF One per-designator BOM, through `plmsync import`
and `--previous`, planned against each other with plmsync's own plan.

Raw facts come from the files with the csv module (`ref;value;Field1 maker;Field2 MPN;…`,
a designator's part being its MPN, else its value); by hand: 406 designators in 2013, 414
in 2014; 9 added, 1 removed, 31 re-assigned to another part (mostly 10nF → 100nF and
47pF → 22pF). The plan's BOM step must name exactly those sets in its line changes.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from typer.testing import CliRunner

from plmsync.cli.app import app
from plmsync.domain.package import ChangePackage
from plmsync.domain.plan import Action, LineChange
from plmsync.domain.state import ObjectKind
from plmsync.pipeline.derive import PlantContext, derive
from plmsync.pipeline.fetch import read_package
from plmsync.pipeline.plan import plan
from tests.importers.conftest import REV_2013, REV_2014

runner = CliRunner()


def _raw_owner(path: Path) -> dict[str, str]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.reader(handle, delimiter=";")][1:]
    return {row[0].strip(): (row[3].strip() or row[1].strip()) for row in rows if row}


def _import(path: Path, revision: str, out: Path, *previous: str) -> ChangePackage:
    mapping = out.parent / "mapping.yaml"
    mapping.write_text("sources:\n  - {manufacturer: Field1, mpn: Field2}\n", encoding="utf-8")
    args = ["import", str(path), "--mapping", str(mapping), "--item", "HACKRF-ONE"]
    result = runner.invoke(app, [*args, "--revision", revision, *previous, "-o", str(out)])
    assert result.exit_code == 0, result.output
    return read_package(out)[1]


def _designators(package: ChangePackage) -> Counter[str]:
    return Counter(r for line in package.boms[0].lines for r in line.reference_designators)


def _owners(changes: tuple[LineChange, ...], side: str) -> dict[str, str]:
    lines = [getattr(change, side) for change in changes]
    return {r: line.component for line in lines if line for r in line.reference_designators}


def test_plan_between_two_revisions_names_designators_added_removed_and_moved(
    hackrf: Path, tmp_path: Path
) -> None:
    raw_old, raw_new = _raw_owner(hackrf / REV_2013), _raw_owner(hackrf / REV_2014)
    old = _import(hackrf / REV_2013, "2013", tmp_path / "2013.json")
    new = _import(
        hackrf / REV_2014, "2014", tmp_path / "2014.json", "--previous", str(tmp_path / "2013.json")
    )

    for package, raw in ((old, raw_old), (new, raw_new)):
        counted = _designators(package)
        assert set(counted) == set(raw) and set(counted.values()) == {1}

    plant = PlantContext("P1")
    eco = plan("ECO-HACKRF", "P1", derive(new, plant), derive(old, plant))
    (bom_step,) = [s for s in eco.steps if s.kind is ObjectKind.BOM]
    assert bom_step.action is Action.SUPERSEDE
    before = _owners(bom_step.line_changes, "before")
    after = _owners(bom_step.line_changes, "after")
    added = set(after) - set(before)
    removed = set(before) - set(after)
    moved = {r for r in set(before) & set(after) if before[r] != after[r]}

    assert added == set(raw_new) - set(raw_old)
    assert removed == set(raw_old) - set(raw_new)
    assert moved == {r for r in set(raw_old) & set(raw_new) if raw_old[r] != raw_new[r]}
    assert (len(added), len(removed), len(moved)) == (9, 1, 31)
    # Lines the plan leaves alone keep exactly their designators and part.
    untouched = {r for r in set(raw_old) & set(raw_new) if r not in before and r not in after}
    assert all(raw_old[r] == raw_new[r] for r in untouched)
