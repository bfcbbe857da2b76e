"""Do-not-populate rows and a Unicode minus, on the real Glasgow BOMs (../shared/data).

By hand from the files (grouped KiCad exports, `Reference, Quantity, …, MPN, Mfg, …, DNP`):
- revC3 at 160114c2 ("before DNP rows were dropped"): 70 data rows, 4 marked DNP in the DNP
  column — J10; J6 J7 J8 J9; R40; R50 R51 R6 R8 — so 10 designators not fitted;
- revC2 at 678b8972 has a short row `C90 C91 ,2,"DNP",…` with the value DNP but no DNP
  column (the next commit, "fix bom having not enough columns", adds the mark);
- revC2/revC3 name U2's MPN `CAT24M01YI<U+2212>GT3` (a MINUS SIGN, not a hyphen).
The tests count the same things again with the csv module rather than trust these numbers.
"""

from __future__ import annotations

import csv
from pathlib import Path

from plmsync.domain.package import ChangePackage
from plmsync.importers.bom_csv import read_bom
from plmsync.importers.mapping import ColumnMapping
from plmsync.importers.package import build_package

REV_C3_WITH_DNP = "glasgow_revC3_bom_160114c2_2023-10-08_with_DNP.csv"
REV_C2_SHORT_ROW = "glasgow_revC2_bom_678b8972_2020-12-26.csv"


def _raw_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.reader(handle) if any(cell.strip() for cell in row)]
    return [cell.strip() for cell in rows[0]], rows[1:]


def _raw_designators(path: Path) -> tuple[set[str], set[str]]:
    """(fitted, not fitted) designators: a non-blank DNP cell means not fitted."""
    header, rows = _raw_rows(path)
    dnp_column = header.index("DNP")
    fitted: set[str] = set()
    unfitted: set[str] = set()
    for row in rows:
        marked = len(row) > dnp_column and row[dnp_column].strip() != ""
        (unfitted if marked else fitted).update(row[0].split())
    return fitted, unfitted


def _package(path: Path, mapping: ColumnMapping | None = None) -> ChangePackage:
    content = path.read_bytes()
    parsed = read_bom(content, mapping)
    return build_package(parsed, item="GLASGOW", revision="C3", content=content)


def test_dnp_rows_are_left_out_of_the_bom_but_recorded(glasgow: Path) -> None:
    path = glasgow / REV_C3_WITH_DNP
    fitted, unfitted = _raw_designators(path)
    assert len(unfitted) == 10  # by hand: J10, J6-J9, R40, R50 R51 R6 R8

    package = _package(path)
    on_lines = [ref for line in package.boms[0].lines for ref in line.reference_designators]
    assert sorted(on_lines) == sorted(fitted)  # each fitted designator exactly once
    recorded = package.source.model_dump()
    assert sorted(recorded["not_populated"]) == sorted(unfitted)
    assert recorded["not_populated_rows"] == 4
    # A DNP row's placeholder part ("DNP" resistors) does not become an item.
    assert "DNP" not in {item.number for item in package.items}


def test_the_head_revision_without_dnp_rows_fits_a_subset_of_the_earlier_designators(
    glasgow: Path,
) -> None:
    # HEAD of revC3 dropped the DNP rows and the test points; what is fitted and has a
    # part number must still be a subset of what the earlier file fitted.
    before = _package(glasgow / REV_C3_WITH_DNP)
    after = _package(glasgow / "glasgow_revC3_bom_HEAD.csv")
    old, new = (
        {r for ln in p.boms[0].lines for r in ln.reference_designators} for p in (before, after)
    )
    fitted_head, _ = _raw_designators(glasgow / "glasgow_revC3_bom_HEAD.csv")
    assert new == fitted_head
    assert new <= old


def test_a_dnp_value_without_a_mark_needs_the_mapping(glasgow: Path) -> None:
    path = glasgow / REV_C2_SHORT_ROW
    header, rows = _raw_rows(path)
    value = header.index("Value")
    valued_dnp = {ref for row in rows if row[value] == "DNP" for ref in row[0].split()}
    _, marked = _raw_designators(path)
    assert valued_dnp - marked == {"C90", "C91"}  # the short row: value DNP, no mark

    by_default = _package(path).source.model_dump()["not_populated"]
    assert set(by_default) == marked
    with_values = _package(path, ColumnMapping(dnp_values=("DNP",)))
    assert set(with_values.source.model_dump()["not_populated"]) == marked | valued_dnp


def test_a_unicode_minus_in_an_mpn_becomes_a_hyphen(glasgow: Path) -> None:
    path = glasgow / REV_C3_WITH_DNP
    raw = path.read_text(encoding="utf-8")
    assert "CAT24M01YI\u2212GT3" in raw
    package = _package(path)
    eeprom = next(line for line in package.boms[0].lines if "U2" in line.reference_designators)
    assert eeprom.component == "CAT24M01YI-GT3"
    assert [(s.manufacturer, s.mpn) for s in package.sources if s.item == eeprom.component] == [
        ("ON Semiconductor", "CAT24M01YI-GT3")
    ]
    assert not any("\u2212" in item.number for item in package.items)
