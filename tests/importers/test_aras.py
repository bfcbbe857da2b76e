"""Aras Innovator Part / Part BOM exports (TSV and AML) on the real Aras Labs samples.

Counts by hand from ../shared/data, recounted below with the csv module:
- 3D printer (effectivity sample): 001-Part.txt has 244 Part rows, 002-PartBOM.txt 251 Part
  BOM rows (source_id = parent Part id, related_id = child), 26 distinct parents, five
  levels of assemblies below the top; 003-PartBOM-Effectivity.txt holds 12 expressions on 11
  Part BOM rows (one row has two).
- bicycle (variant sample): 010-Part.txt 205 Parts (28 Make, 177 Buy), 011-Part_BOM.txt 64
  rows under 16 parents; the folder's other TSVs (vm_Feature, vm_Option…) are not Parts.
The AML tests build AML from those TSVs the way the sample's own loader does
(effs_sample_data_load: one `<Item type=… action='add' id=…>` per row, one element per
non-empty property), flat and nested, since the shared data holds no Part AML export.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from plmsync.cli.app import app
from plmsync.domain.errors import ImportRejected
from plmsync.domain.package import ChangePackage, ItemType, MakeBuy
from plmsync.importers.dispatch import ImportRequest, import_file
from plmsync.importers.formats import FileFormat, detect
from plmsync.pipeline.fetch import read_package
from tests.importers.conftest import shared_folder

runner = CliRunner()
Row = dict[str, str]


def _tsv(path: Path) -> list[Row]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


@pytest.fixture
def printer() -> Path:
    return shared_folder("aras_effectivity_3dprinter")


@pytest.fixture
def bicycle() -> Path:
    return shared_folder("aras_variant_mgmt_bicycle")


def _raw_lines(parts: list[Row], bom: list[Row]) -> Counter[tuple[str, str, Decimal]]:
    number = {row["id"]: row["item_number"] for row in parts}
    return Counter(
        (number[r["source_id"]], number[r["related_id"]], Decimal(r["quantity"])) for r in bom
    )


def _package_lines(package: ChangePackage) -> Counter[tuple[str, str, Decimal]]:
    return Counter(
        (bom.item, line.component, line.quantity) for bom in package.boms for line in bom.lines
    )


def _levels(package: ChangePackage) -> int:
    """Items on the longest path from a top assembly down to a part."""
    children = {bom.item: [line.component for line in bom.lines] for bom in package.boms}

    def below(item: str) -> int:
        return 1 + max((below(c) for c in children.get(item, ())), default=0)

    used = {c for lines in children.values() for c in lines}
    return max(below(top) for top in children if top not in used)


def test_printer_tsv_becomes_a_five_level_structure(printer: Path) -> None:
    parts, bom = _tsv(printer / "001-Part.txt"), _tsv(printer / "002-PartBOM.txt")
    assert (len(parts), len(bom)) == (244, 251)
    assert detect((printer / "002-PartBOM.txt").read_bytes()) is FileFormat.ARAS_TSV

    package = import_file(ImportRequest(path=printer / "002-PartBOM.txt")).package
    assert len(package.items) == len(parts)
    assert _package_lines(package) == _raw_lines(parts, bom)
    assert len(package.boms) == len({row["source_id"] for row in bom}) == 26
    assert _levels(package) == 5
    revisions = {item.number: item.revision for item in package.items}
    assert revisions == {row["item_number"]: row["major_rev"] for row in parts}
    assemblies = {i.number for i in package.items if i.item_type is ItemType.ASSEMBLY}
    assert assemblies == {bom.item for bom in package.boms}


def test_effectivity_expressions_go_to_the_line_notes(printer: Path) -> None:
    expressions = _tsv(printer / "003-PartBOM-Effectivity.txt")
    assert (len(expressions), len({e["source_id"] for e in expressions})) == (12, 11)
    package = import_file(ImportRequest(path=printer)).package
    notes = [line.notes for bom in package.boms for line in bom.lines if line.notes]
    assert len(notes) == 11
    assert sum(note.count("<expression>") for note in notes) == 12


def test_bicycle_keeps_make_buy_and_skips_other_item_types(bicycle: Path) -> None:
    parts, bom = _tsv(bicycle / "010-Part.txt"), _tsv(bicycle / "011-Part_BOM.txt")
    package = import_file(ImportRequest(path=bicycle)).package
    assert len(package.items) == len(parts) == 205
    assert _package_lines(package) == _raw_lines(parts, bom)
    raw_make_buy = Counter(row["make_buy"].lower() for row in parts)
    assert Counter(item.make_buy.value for item in package.items) == raw_make_buy
    assert raw_make_buy[MakeBuy.MAKE.value] == 28
    assert len(package.boms) == len({row["source_id"] for row in bom}) == 16


def test_a_folder_without_part_bom_is_refused(tmp_path: Path, bicycle: Path) -> None:
    (tmp_path / "010-Part.txt").write_bytes((bicycle / "010-Part.txt").read_bytes())
    with pytest.raises(ImportRejected) as refused:
        import_file(ImportRequest(path=tmp_path / "010-Part.txt"))
    assert refused.value.code == "PLMSYNC-IMPORT-MISSING-COMPANION"
    result = runner.invoke(app, ["import", str(bicycle / "003-vm_Feature.txt")])
    assert result.exit_code == 2
    assert "PLMSYNC-IMPORT-FORMAT-UNKNOWN" in result.output


# --- AML ---------------------------------------------------------------------------------


def _item(parent: etree._Element, item_type: str, row: Row) -> etree._Element:
    """As effs_sample_data_load builds it: id as attribute, one element per non-empty value."""
    item = etree.SubElement(parent, "Item", type=item_type, action="add", id=row["id"])
    for name, value in row.items():
        if name != "id" and value:
            etree.SubElement(item, name).text = value
    return item


def _flat_aml(parts: list[Row], bom: list[Row]) -> bytes:
    root = etree.Element("AML")
    for row in parts:
        _item(root, "Part", row)
    for row in bom:
        _item(root, "Part BOM", row)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def _nested_aml(parts: list[Row], bom: list[Row]) -> bytes:
    """Part BOM under its parent's <Relationships>, the child Part inside <related_id>."""
    by_id = {row["id"]: row for row in parts}
    root = etree.Element("AML")
    elements = {row["id"]: _item(root, "Part", row) for row in parts}
    for row in bom:
        relationships = elements[row["source_id"]].find("Relationships")
        if relationships is None:
            relationships = etree.SubElement(elements[row["source_id"]], "Relationships")
        fields = {k: v for k, v in row.items() if k not in ("source_id", "related_id")}
        relation = _item(relationships, "Part BOM", fields)
        _item(etree.SubElement(relation, "related_id"), "Part", by_id[row["related_id"]])
    return etree.tostring(root, encoding="utf-8")


AmlShape = Callable[[list[Row], list[Row]], bytes]


@pytest.mark.parametrize("shape", [_flat_aml, _nested_aml], ids=["flat", "nested"])
def test_aml_gives_the_same_structure_as_the_tsv(
    printer: Path, tmp_path: Path, shape: AmlShape
) -> None:
    parts, bom = _tsv(printer / "001-Part.txt"), _tsv(printer / "002-PartBOM.txt")
    aml = tmp_path / "printer.xml"
    aml.write_bytes(shape(parts, bom))
    out = tmp_path / "pkg.json"
    result = runner.invoke(app, ["import", str(aml), "-o", str(out)])
    assert result.exit_code == 0, result.output
    package = read_package(out)[1]
    assert package.source.model_dump()["format"] == "aras-aml"
    assert _package_lines(package) == _raw_lines(parts, bom)
    assert sorted(i.number for i in package.items) == sorted(row["item_number"] for row in parts)


def test_aml_without_parts_is_refused(printer: Path) -> None:
    # "Part BOM.xml" is a real AML package, but an ItemType edit, not Part data.
    result = runner.invoke(app, ["import", str(printer / "Part BOM.xml")])
    assert result.exit_code == 2
    assert "PLMSYNC-IMPORT-EMPTY" in result.output
    assert "Traceback" not in result.output


def test_several_generations_of_a_part_become_its_latest(tmp_path: Path) -> None:
    (tmp_path / "001-Part.txt").write_text(
        "id\tgeneration\tmajor_rev\tname\titem_number\n"
        "A1\t1\tA\tFrame\tMP1\n"
        "A2\t2\tB\tFrame, lighter\tMP1\n"
        "C1\t1\tA\tBolt\tMP2\n",
        encoding="utf-8",
    )
    (tmp_path / "002-PartBOM.txt").write_text(
        "id\tsource_id\trelated_id\tquantity\tsort_order\nR1\tA1\tC1\t4\t10\n", encoding="utf-8"
    )
    package = import_file(ImportRequest(path=tmp_path)).package
    frame = [item for item in package.items if item.number == "MP1"]
    assert [(i.revision, i.name) for i in frame] == [("B", "Frame, lighter")]
    assert _package_lines(package) == Counter({("MP1", "MP2", Decimal(4)): 1})
