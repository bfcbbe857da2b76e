"""Sniffing a tabular export: encoding (byte-order marks included), delimiter, header row."""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterable, Sequence

from plmsync.importers.refusals import NO_HEADER, refuse

DELIMITERS = ",;\t|"

HEADER_WORDS = frozenset(
    {
        "ref",
        "refs",
        "reference",
        "references",
        "reference(s)",
        "refdes",
        "designator",
        "designators",
        "qty",
        "quantity",
        "count",
        "value",
        "val",
        "footprint",
        "package",
        "description",
        "desc",
        "manufacturer",
        "mfr",
        "mpn",
        "part number",
        "part",
        "item",
        "libpart",
        "datasheet",
        "supplier",
        "digikey",
        "mouser",
    }
)

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding used: a byte-order mark wins, then UTF-8, then cp1252."""
    for mark, encoding in _BOMS:
        if data.startswith(mark):
            return data.decode(encoding), encoding
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def sniff_delimiter(text: str) -> str:
    """csv.Sniffer on a sample; if it cannot decide, the candidate most frequent per line."""
    lines = [line for line in text.splitlines()[:60] if line.strip()]
    sample = "\n".join(lines)
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        counts = {d: sum(line.count(d) for line in lines) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def normalise_header(cell: str) -> str:
    return re.sub(r"\s+", " ", cell.strip().strip(":").lower())


def header_score(row: Sequence[str]) -> int:
    return sum(1 for cell in row if normalise_header(cell) in HEADER_WORDS)


def find_header(rows: Iterable[Sequence[str]], limit: int = 60) -> int:
    """Index of the row that looks most like a header (title blocks and preambles skipped).

    Rows are scored by how many cells are known header words; the earliest best row wins.
    """
    best_index, best_score = 0, 0
    for index, row in enumerate(rows):
        if index >= limit:
            break
        score = header_score(row)
        if score > best_score:
            best_index, best_score = index, score
    if best_score < 2:
        raise refuse(
            NO_HEADER, "no header row found (expected column names such as Ref, Qty, Value)"
        )
    return best_index


def realign_header(header: Sequence[str], data: Sequence[Sequence[str]]) -> list[str]:
    """Undo a header shifted against its data (KiCad exports with an unnamed extra column).

    When the header ends in blank names while the data fills those columns, the first named
    column whose data is blank in every row is taken to be the unnamed one: a blank name is
    inserted there and one trailing blank name dropped. Otherwise the header is unchanged.
    """
    names = list(header)
    rows = [row for row in data if any(cell.strip() for cell in row)]
    if not rows or not names or names[-1].strip():
        return names
    last = len(names) - 1
    if not any(len(row) > last and row[last].strip() for row in rows):
        return names
    for index, name in enumerate(names[:last]):
        if name.strip() and all(len(row) <= index or not row[index].strip() for row in rows):
            return [*names[:index], "", *names[index:last]]
    return names


_KICAD_HEADER = re.compile(r"^(reference\(s\)|libpart|field\d+)$")
_KICAD_PREAMBLE = frozenset({"generated", "total parts", "total unique parts", "title"})


def detect_format(rows: Sequence[Sequence[str]], header_index: int) -> str:
    """ "kicad" for KiCad BOM exports (eeschema's Field1…, Reference(s)/LibPart, or the title
    block with Generated / Total Parts), otherwise "csv"."""
    header = [normalise_header(cell) for cell in rows[header_index]]
    if any(_KICAD_HEADER.match(cell) for cell in header):
        return "kicad"
    preamble = {normalise_header(row[0]) for row in rows[:header_index] if row}
    return "kicad" if len(preamble & _KICAD_PREAMBLE) >= 2 else "csv"
