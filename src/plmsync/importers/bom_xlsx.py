"""XLSX BOM exports: each sheet's cells become text rows, then the CSV path reads them.

openpyxl in read-only mode streams the sheet instead of loading the whole workbook. Cached
formula results are read (`data_only`), as a spreadsheet shows them. The first sheet with a
recognisable header row is the BOM (exports often put a cover or notes sheet first).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterable
from dataclasses import replace

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from plmsync.domain.errors import ImportRejected
from plmsync.importers.bom_csv import ParsedBom, read_rows
from plmsync.importers.mapping import ColumnMapping
from plmsync.importers.refusals import NO_HEADER, UNREADABLE, refuse

ZIP_MAGIC = b"PK\x03\x04"


def cell_text(value: object) -> str:
    """A cell as the text a CSV export would hold: whole floats without '.0', dates ISO."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def _text_rows(rows: Iterable[tuple[object, ...]]) -> list[list[str]]:
    return [[cell_text(value) for value in row] for row in rows]


def read_xlsx(data: bytes, mapping: ColumnMapping | None = None) -> ParsedBom:
    """The BOM on the first sheet that has a header row; ImportRejected if none has."""
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        raise refuse(UNREADABLE, f"not a readable XLSX workbook ({exc})") from None
    try:
        for sheet in workbook.worksheets:
            rows = _text_rows(sheet.iter_rows(values_only=True))
            try:
                parsed = read_rows(rows, mapping, encoding="", delimiter="", file_format="xlsx")
            except ImportRejected as rejected:
                if rejected.code != NO_HEADER:
                    raise
                continue
            return replace(parsed, sheet=sheet.title)
    finally:
        workbook.close()
    raise refuse(NO_HEADER, "no sheet of the workbook has a BOM header row (Ref, Qty, Value…)")
