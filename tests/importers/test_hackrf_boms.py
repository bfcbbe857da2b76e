"""The importers on the real HackRF One BOM exports (../shared/data/hackrf_one_bom).

Counts below were taken from the files themselves (rows counted after the header line,
designators per row, distinct manufacturer part numbers — or the value where a row has none):

- 2013-12-23 per-designator (`;`): 406 rows, 406 designators, 136 distinct parts (68 with an MPN)
- 2014-03-16 per-designator (`;`): 414 rows, 414 designators, 137 distinct parts (69 with an MPN)
- 2016-07-07 KiCad grouped (`,`): 65 lines, Qty column sums to 300, 65 distinct part numbers
- 2018-03-14 kitspace TSV: 65 lines, 300 designators, 65 first MPNs, one line with a second MPN
  (Würth 885012105013 beside Taiyo Yuden LMK105BJ225MV-F) → 66 sources
- 2013 → 2014: 9 designators added, 1 removed, 31 moved to a different part; as lines
  (find numbers kept from 2013): 4 parts added, 3 removed, 9 with other designators
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

from plmsync.domain.package import ChangePackage
from plmsync.domain.state import BomRecord
from plmsync.importers.bom_csv import ParsedBom, read_bom
from plmsync.importers.mapping import ColumnMapping, SourcePair
from plmsync.importers.package import build_package
from plmsync.pipeline.derive import PlantContext, derive
from plmsync.pipeline.diff import line_changes
from tests.importers.conftest import (
    GROUPED_2016,
    KICAD_2020,
    MULTI_MPN_2018,
    REV_2013,
    REV_2014,
)

# The per-designator exports name their columns Field1..Field8: say which is which.
PER_DESIGNATOR = ColumnMapping(
    description=("Field3",),
    sources=(SourcePair(manufacturer="Field1", mpn="Field2"),),
)
AT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _import(path: Path, revision: str, mapping: ColumnMapping | None = None) -> ChangePackage:
    content = path.read_bytes()
    parsed = read_bom(content, mapping)
    return build_package(
        parsed, item="HACKRF-ONE", revision=revision, content=content, emitted_at=AT
    )


def _designator_owner(package: ChangePackage) -> dict[str, str]:
    owner: dict[str, str] = {}
    for line in package.boms[0].lines:
        for ref in line.reference_designators:
            assert ref not in owner, f"{ref} appears twice"
            owner[ref] = line.component
    return owner


def _raw_owner(path: Path) -> dict[str, str]:
    """Designator → part straight from the file with the csv module (MPN, else value)."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle, delimiter=";"))[1:]
    return {row[0].strip(): (row[3].strip() or row[1].strip()) for row in rows if row}


def _summary(parsed: ParsedBom) -> tuple[int, int, int]:
    designators = sum(len(e.designators) for e in parsed.entries)
    return parsed.data_rows, len(parsed.entries), designators


def test_per_designator_revisions(hackrf: Path) -> None:
    first = read_bom((hackrf / REV_2013).read_bytes(), PER_DESIGNATOR)
    second = read_bom((hackrf / REV_2014).read_bytes(), PER_DESIGNATOR)
    assert (first.delimiter, first.header_row) == (";", 0)
    assert _summary(first) == (406, 136, 406)
    assert _summary(second) == (414, 137, 414)
    assert sum(1 for e in first.entries if e.sources) == 68
    murata_33p = next(e for e in first.entries if e.number == "GRM1555C1H330JA01D")
    assert murata_33p.quantity == len(murata_33p.designators) == 33


def test_kicad_grouped_export(hackrf: Path) -> None:
    parsed = read_bom((hackrf / GROUPED_2016).read_bytes())
    assert (parsed.delimiter, parsed.header_row) == (",", 0)
    assert _summary(parsed) == (65, 65, 300)
    assert sum(e.quantity for e in parsed.entries) == 300
    assert all(e.quantity == len(e.designators) for e in parsed.entries)


def test_multi_mpn_tsv_gives_several_sources(hackrf: Path) -> None:
    package = _import(hackrf / MULTI_MPN_2018, "2018")
    assert len(package.items) == 1 + 65
    assert sum(len(line.reference_designators) for line in package.boms[0].lines) == 300
    assert len(package.sources) == 66
    two = [s for s in package.sources if s.item == "LMK105BJ225MV-F"]
    assert {(s.manufacturer, s.mpn) for s in two} == {
        ("Taiyo Yuden", "LMK105BJ225MV-F"),
        ("Würth Elektronik", "885012105013"),
    }


def test_every_designator_once_and_the_diff_names_moves(hackrf: Path) -> None:
    old_pkg = _import(hackrf / REV_2013, "2013-12-23", PER_DESIGNATOR)
    new_pkg = _import(hackrf / REV_2014, "2014-03-16", PER_DESIGNATOR)
    old_owner, new_owner = _designator_owner(old_pkg), _designator_owner(new_pkg)
    raw_old, raw_new = _raw_owner(hackrf / REV_2013), _raw_owner(hackrf / REV_2014)
    assert old_owner == raw_old and len(old_owner) == 406
    assert new_owner == raw_new and len(new_owner) == 414
    assert all(
        line.quantity == Decimal(len(line.reference_designators))
        for p in (old_pkg, new_pkg)
        for line in p.boms[0].lines
    )

    plant = PlantContext("P1")
    before = derive(old_pkg, plant).boms["HACKRF-ONE"]
    after = derive(new_pkg, plant).boms["HACKRF-ONE"]
    assert isinstance(before, BomRecord) and isinstance(after, BomRecord)
    planned_old = {r: ln.component for ln in before.lines for r in ln.reference_designators}
    planned_new = {r: ln.component for ln in after.lines for r in ln.reference_designators}

    added = set(planned_new) - set(planned_old)
    removed = set(planned_old) - set(planned_new)
    moved = {r for r in set(planned_old) & set(planned_new) if planned_old[r] != planned_new[r]}
    assert added == set(raw_new) - set(raw_old)
    assert removed == set(raw_old) - set(raw_new)
    assert moved == {r for r in set(raw_old) & set(raw_new) if raw_old[r] != raw_new[r]}
    # By hand (diff of ref/value/MPN columns): 9 designators added, 1 removed, 31 re-assigned
    # (mostly 10nF → 100nF and 47pF → 22pF capacitors).
    assert (len(added), len(removed), len(moved)) == (9, 1, 31)

    # Every designator that appeared, left or moved sits on a line the plan reports.
    changes = line_changes(before.lines, after.lines)
    touched_after = {r for c in changes if c.after for r in c.after.reference_designators}
    touched_before = {r for c in changes if c.before for r in c.before.reference_designators}
    assert added | moved <= touched_after
    assert removed | moved <= touched_before


def test_with_previous_find_numbers_the_plan_lists_exactly_the_changed_lines(
    hackrf: Path,
) -> None:
    old_pkg = _import(hackrf / REV_2013, "2013-12-23", PER_DESIGNATOR)
    content = (hackrf / REV_2014).read_bytes()
    new_pkg = build_package(
        read_bom(content, PER_DESIGNATOR),
        item="HACKRF-ONE",
        revision="2014-03-16",
        content=content,
        emitted_at=AT,
        previous=old_pkg,
    )

    # Independently: part → designators straight from each file.
    def parts(owner: dict[str, str]) -> dict[str, frozenset[str]]:
        grouped: dict[str, set[str]] = {}
        for ref, part in owner.items():
            grouped.setdefault(part, set()).add(ref)
        return {part: frozenset(refs) for part, refs in grouped.items()}

    raw_old = parts(_raw_owner(hackrf / REV_2013))
    raw_new = parts(_raw_owner(hackrf / REV_2014))
    plant = PlantContext("P1")
    before = derive(old_pkg, plant).boms["HACKRF-ONE"]
    after = derive(new_pkg, plant).boms["HACKRF-ONE"]
    assert isinstance(before, BomRecord) and isinstance(after, BomRecord)
    changes = line_changes(before.lines, after.lines)

    def components(kind: str) -> set[str]:
        lines = [c.after or c.before for c in changes if c.change == kind]
        return {line.component for line in lines if line is not None}

    # By hand: 4 parts added (10103592-0001LF, 73251-2121, AO3407A, BRL1608T100M), 3 removed
    # (10103594-0001LF, BRL1608T1R0M, CONSMA003.062), 9 kept with other designators.
    assert (len(components("added")), len(components("removed"))) == (4, 3)
    assert len(components("changed")) == 9
    assert components("added") == set(raw_new) - set(raw_old)
    assert components("removed") == set(raw_old) - set(raw_new)
    assert components("changed") == {
        p for p in set(raw_old) & set(raw_new) if raw_old[p] != raw_new[p]
    }


def test_format_is_detected_from_the_content_and_recorded(hackrf: Path) -> None:
    detected = {
        name: read_bom((hackrf / name).read_bytes()).format
        for name in (REV_2013, GROUPED_2016, MULTI_MPN_2018, KICAD_2020)
    }
    # eeschema's Field1…, Reference(s)/LibPart, and the 2020 title block are KiCad; the
    # kitspace TSV is plain.
    assert detected == {
        REV_2013: "kicad",
        GROUPED_2016: "kicad",
        MULTI_MPN_2018: "csv",
        KICAD_2020: "kicad",
    }
    source = _import(hackrf / MULTI_MPN_2018, "2018").source.model_dump()
    assert (source["format"], source["delimiter"], source["encoding"]) == ("csv", "\t", "utf-8")
