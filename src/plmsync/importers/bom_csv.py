"""Rows of a CSV/TSV BOM export → BOM entries, one per distinct part.

Per-designator rows (one reference designator each) are grouped by part, quantity = count;
grouped rows have their designator lists split on commas and spaces, quantities summed.
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


def _cell(row: Sequence[str], index: int | None) -> str:
    return clean_text(row[index]) if index is not None and index < len(row) else ""


def _quantity(text: str, designators: int) -> Decimal:
    try:
        return Decimal(text) if text else Decimal(designators or 1)
    except InvalidOperation as exc:
        raise ValueError(f"quantity {text!r} is not a number") from exc


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


def read_bom(data: bytes, mapping: ColumnMapping | None = None) -> ParsedBom:
    """Parse a BOM export; raises ValueError when no header row or part column is found."""
    text, encoding = decode(data)
    delimiter = sniff_delimiter(text)
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    header_index = find_header(rows)
    header = realign_header(rows[header_index], rows[header_index + 1 :])
    cols = resolve(header, mapping or ColumnMapping())
    if cols.designators is None and cols.quantity is None:
        raise ValueError("the header has neither a designator nor a quantity column")
    entries: dict[str, BomEntry] = {}
    data_rows = 0
    for row in rows[header_index + 1 :]:
        if not any(cell.strip() for cell in row):
            continue
        entry = _entry(row, cols)
        if entry is None:
            continue
        data_rows += 1
        if entry.number in entries:
            _merge(entries[entry.number], entry)
        else:
            entries[entry.number] = entry
    return ParsedBom(
        encoding,
        delimiter,
        header_index,
        data_rows,
        tuple(entries.values()),
        detect_format(rows, header_index),
    )
