"""Rows of a CSV/TSV BOM export → BOM entries, one per distinct part.

Per-designator rows (one reference designator each) are grouped by part, quantity = count;
grouped rows have their designator lists split on commas and spaces, quantities summed.
Rows marked do-not-populate are kept apart (`ParsedBom.dnp`): not fitted, so not BOM lines,
but the package still records which designators were left empty on purpose.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from plmsync.importers.mapping import ColumnMapping, Columns, resolve
from plmsync.importers.refusals import NO_HEADER, UNREADABLE, refuse
from plmsync.importers.sniff import (
    decode,
    detect_format,
    find_header,
    realign_header,
    sniff_delimiter,
)

_DASHES = dict.fromkeys(map(ord, "\u2212\u2010\u2011\u2012\u2013\u2014\ufe63\uff0d"), "-")
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060\ufeff\x00-\x1f\x7f]")


def clean_text(value: str) -> str:
    """Trim and collapse whitespace; drop control and zero-width characters."""
    value = _INVISIBLE.sub(" ", value.replace("\t", " "))
    return re.sub(r"\s+", " ", value).strip()


def clean_part_number(value: str) -> str:
    """A part number as an ERP can key it: NFKC, odd dashes (U+2212 minus…) → '-', no blanks."""
    value = unicodedata.normalize("NFKC", value).translate(_DASHES)
    return clean_text(value).replace(" ", "")


@dataclass(frozen=True, slots=True)
class PartSource:
    manufacturer: str
    mpn: str


@dataclass(slots=True)
class BomEntry:
    number: str
    value: str = ""
    footprint: str = ""
    description: str = ""
    quantity: Decimal = Decimal(0)
    designators: list[str] = field(default_factory=list)
    sources: tuple[PartSource, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedBom:
    encoding: str
    delimiter: str
    header_row: int
    data_rows: int
    entries: tuple[BomEntry, ...]
    format: str = "csv"
    dnp: tuple[BomEntry, ...] = ()
    sheet: str = ""


def _cell(row: Sequence[str], index: int | None) -> str:
    return clean_text(row[index]) if index is not None and index < len(row) else ""


def _quantity(text: str, designators: int) -> Decimal:
    try:
        return Decimal(text) if text else Decimal(designators or 1)
    except InvalidOperation:
        raise refuse(UNREADABLE, f"quantity {text!r} is not a number") from None


def _entry(row: Sequence[str], cols: Columns) -> BomEntry | None:
    designators = [d for d in re.split(r"[,\s]+", _cell(row, cols.designators)) if d]
    sources = tuple(
        PartSource(_cell(row, maker), clean_part_number(_cell(row, mpn)))
        for maker, mpn in cols.sources
        if clean_part_number(_cell(row, mpn))
    )
    value = _cell(row, cols.value)
    number = clean_part_number(_cell(row, cols.part_number)) or (
        sources[0].mpn if sources else clean_part_number(value)
    )
    if not number:
        return None
    return BomEntry(
        number=number,
        value=value,
        footprint=_cell(row, cols.footprint),
        description=_cell(row, cols.description),
        quantity=_quantity(_cell(row, cols.quantity), len(designators)),
        designators=designators,
        sources=sources,
    )


def _merge(into: BomEntry, entry: BomEntry) -> None:
    into.quantity += entry.quantity
    into.designators.extend(entry.designators)
    known = set(into.sources)
    into.sources += tuple(s for s in entry.sources if s not in known)
    into.description = into.description or entry.description


_NOT_MARKED = frozenset({"", "0", "no", "n", "false", "-"})


def _is_dnp(row: Sequence[str], cols: Columns, dnp_values: frozenset[str]) -> bool:
    """Marked in the DNP column, or the value says so (KiCad's `DNP` value convention)."""
    if _cell(row, cols.dnp).lower() not in _NOT_MARKED:
        return True
    return _cell(row, cols.value).lower() in dnp_values


def _unfitted(row: Sequence[str], cols: Columns) -> BomEntry:
    """A DNP row as an entry: it may have no part number, its designators are what matter."""
    entry = _entry(row, cols)
    if entry is not None:
        return entry
    designators = [d for d in re.split(r"[,\s]+", _cell(row, cols.designators)) if d]
    return BomEntry(number="", value=_cell(row, cols.value), designators=designators)


def read_bom(data: bytes, mapping: ColumnMapping | None = None) -> ParsedBom:
    """Parse a CSV/TSV BOM export; ImportRejected when no header row or part column is found."""
    text, encoding = decode(data)
    delimiter = sniff_delimiter(text)
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    return read_rows(rows, mapping, encoding=encoding, delimiter=delimiter)


@dataclass(slots=True)
class _Collected:
    entries: dict[str, BomEntry] = field(default_factory=dict)
    unfitted: list[BomEntry] = field(default_factory=list)
    data_rows: int = 0

    def add(self, entry: BomEntry) -> None:
        self.data_rows += 1
        if entry.number in self.entries:
            _merge(self.entries[entry.number], entry)
        else:
            self.entries[entry.number] = entry


def _collect(rows: Sequence[Sequence[str]], cols: Columns, mapping: ColumnMapping) -> _Collected:
    """Parts keyed by number in file order; DNP rows apart; blank and partless rows skipped."""
    dnp_values = frozenset(v.lower() for v in mapping.dnp_values)
    collected = _Collected()
    for row in rows:
        if not any(cell.strip() for cell in row):
            continue
        if _is_dnp(row, cols, dnp_values):
            collected.unfitted.append(_unfitted(row, cols))
        elif (entry := _entry(row, cols)) is not None:
            collected.add(entry)
    return collected


def read_rows(
    rows: Sequence[Sequence[str]],
    mapping: ColumnMapping | None = None,
    *,
    encoding: str,
    delimiter: str,
    file_format: str | None = None,
) -> ParsedBom:
    """Rows of text cells (from CSV, or a spreadsheet) → BOM entries, DNP rows kept apart."""
    mapping = mapping or ColumnMapping()
    header_index = find_header(rows)
    header = realign_header(rows[header_index], rows[header_index + 1 :])
    cols = resolve(header, mapping)
    if cols.designators is None and cols.quantity is None:
        raise refuse(NO_HEADER, "the header has neither a designator nor a quantity column")
    collected = _collect(rows[header_index + 1 :], cols, mapping)
    return ParsedBom(
        encoding,
        delimiter,
        header_index,
        collected.data_rows,
        tuple(collected.entries.values()),
        file_format or detect_format(rows, header_index),
        dnp=tuple(collected.unfitted),
    )
