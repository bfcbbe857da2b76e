"""XLSX BOM exports read through the same mapping as CSV: real CSVs become workbooks here.

No XLSX file is stored: each test writes a real CSV export (Glasgow revC3 with its DNP rows,
the HackRF 2020 KiCad BOM with its title block and shifted header) into a workbook with
openpyxl at run time — numbers as numbers, as a spreadsheet holds them, behind a cover sheet
as exports often have — and the XLSX import must give exactly the CSV import's BOM.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from plmsync.cli.app import app
from plmsync.domain.errors import ImportRejected
from plmsync.importers.bom_csv import ParsedBom, read_bom
from plmsync.importers.bom_xlsx import read_xlsx
from plmsync.importers.formats import FileFormat, detect
from plmsync.importers.mapping import ColumnMapping, SourcePair
from plmsync.pipeline.fetch import read_package
from tests.importers.conftest import KICAD_2020, REV_2013, shared_folder

GLASGOW_DNP = ("glasgow_revA-C3_bom", "glasgow_revC3_bom_160114c2_2023-10-08_with_DNP.csv")
HACKRF_KICAD = ("hackrf_one_bom", KICAD_2020)
runner = CliRunner()


def _as_spreadsheet_value(text: str) -> str | int:
    return int(text) if text.isdigit() else text


def csv_to_xlsx(path: Path, delimiter: str = ",") -> bytes:
    """The CSV's rows on a "BOM" sheet after a "Cover" sheet, whole numbers as numbers."""
    text = path.read_text(encoding="utf-8")  # every file used here is UTF-8
    workbook = Workbook()
    cover = workbook.active
    assert cover is not None
    cover.title = "Cover"
    cover.append(["Exported from the PLM", path.name])
    sheet = workbook.create_sheet("BOM")
    for row in csv.reader(io.StringIO(text), delimiter=delimiter):
        sheet.append([_as_spreadsheet_value(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _lines(parsed: ParsedBom) -> list[tuple[str, object, list[str], object]]:
    return [(e.number, e.quantity, e.designators, e.sources) for e in parsed.entries]


@pytest.mark.parametrize("where", [GLASGOW_DNP, HACKRF_KICAD], ids=["glasgow", "hackrf"])
def test_a_workbook_gives_the_same_bom_as_its_csv(where: tuple[str, str]) -> None:
    path = shared_folder(where[0]) / where[1]
    from_csv = read_bom(path.read_bytes())
    workbook = csv_to_xlsx(path)
    assert detect(workbook) is FileFormat.XLSX
    from_xlsx = read_xlsx(workbook)
    assert from_xlsx.sheet == "BOM" and from_xlsx.format == "xlsx"
    assert from_xlsx.header_row == from_csv.header_row
    assert from_xlsx.data_rows == from_csv.data_rows
    assert _lines(from_xlsx) == _lines(from_csv)
    assert [e.designators for e in from_xlsx.dnp] == [e.designators for e in from_csv.dnp]


def test_the_column_mapping_applies_to_workbooks_too() -> None:
    # The 2013 HackRF per-designator BOM (`;`) names its columns Field1..Field8; the mapping
    # says Field1/Field2 are manufacturer/MPN. Without it no MPN column would be found.
    path = shared_folder("hackrf_one_bom") / REV_2013
    mapping = ColumnMapping(sources=(SourcePair(manufacturer="Field1", mpn="Field2"),))
    workbook = csv_to_xlsx(path, delimiter=";")
    mapped = read_xlsx(workbook, mapping)
    assert _lines(mapped) == _lines(read_bom(path.read_bytes(), mapping))
    assert any(e.sources for e in mapped.entries)
    assert not any(e.sources for e in read_xlsx(workbook).entries)


def test_plmsync_import_detects_the_workbook(tmp_path: Path) -> None:
    path = shared_folder(GLASGOW_DNP[0]) / GLASGOW_DNP[1]
    workbook = tmp_path / "bom.data"  # a name that says nothing: detection is by content
    workbook.write_bytes(csv_to_xlsx(path))
    out = tmp_path / "pkg.json"
    result = runner.invoke(app, ["import", str(workbook), "--item", "GLASGOW", "-o", str(out)])
    assert result.exit_code == 0, result.output
    package = read_package(out)[1]
    assert package.source.model_dump()["format"] == "xlsx"
    assert package.source.model_dump()["sheet"] == "BOM"
    # The same lines as the CSV itself gives through the same command.
    csv_out = tmp_path / "csv.json"
    result = runner.invoke(app, ["import", str(path), "--item", "GLASGOW", "-o", str(csv_out)])
    assert result.exit_code == 0, result.output
    from_csv = read_package(csv_out)[1]
    assert package.boms == from_csv.boms
    assert package.sources == from_csv.sources


def test_a_damaged_or_headerless_workbook_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ImportRejected) as damaged:
        read_xlsx(b"PK\x03\x04 not really a zip")
    assert damaged.value.code == "PLMSYNC-IMPORT-UNREADABLE"

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["1", "2", "3"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    bad = tmp_path / "numbers.xlsx"
    bad.write_bytes(buffer.getvalue())
    result = runner.invoke(app, ["import", str(bad)])
    assert result.exit_code == 2
    assert "PLMSYNC-IMPORT-NO-HEADER" in result.output
    assert "Traceback" not in result.output
