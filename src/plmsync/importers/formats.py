"""Which importer reads a file: the `--format` names, and detection from the content.

Detection looks at the bytes, never the file name (exports get renamed): a ZIP container is
an XLSX workbook, `ISO-10303-21;` opens a STEP file, `<AML>` an Aras AML package, a JSON
array of Django fixture records an InvenTree export, a tab-separated header naming Aras
properties (`id` with `item_number`, or `source_id`/`related_id`) an Aras export; anything
else is a delimited BOM, which the CSV reader then tells apart as KiCad or plain.
"""

from __future__ import annotations

import json
from enum import StrEnum

from plmsync.importers.aras import tsv_kind
from plmsync.importers.bom_xlsx import ZIP_MAGIC
from plmsync.importers.refusals import FORMAT_UNKNOWN, refuse
from plmsync.importers.sniff import decode

_SAMPLE = 8192


class FileFormat(StrEnum):
    CSV = "csv"
    KICAD = "kicad"
    XLSX = "xlsx"
    ARAS_TSV = "aras-tsv"
    ARAS_AML = "aras-aml"
    INVENTREE = "inventree"
    STEP = "step"


FLAT_FORMATS = frozenset({FileFormat.CSV, FileFormat.KICAD, FileFormat.XLSX})


def _looks_like_fixture(text: str) -> bool:
    """A Django fixture: a JSON array of {"model": "app.model", "pk": …, "fields": {…}}."""
    try:
        records = json.loads(text)
    except json.JSONDecodeError:
        return False
    return (
        isinstance(records, list)
        and bool(records)
        and all(isinstance(r, dict) and "model" in r and "fields" in r for r in records[:20])
    )


def detect(content: bytes) -> FileFormat:
    """The format of `content`; ImportRejected when nothing recognises it."""
    if content.startswith(ZIP_MAGIC):
        return FileFormat.XLSX
    # Decode the whole content, then look at its start: cutting the bytes first could split
    # a multi-byte character and fail a strict decode of a byte-order-marked file.
    text, _ = decode(content)
    head = text[:_SAMPLE]
    head = head.lstrip("\ufeff \t\r\n")
    if head.startswith("ISO-10303-21"):
        return FileFormat.STEP
    if head.startswith("<"):
        if "<AML" in head[:512]:
            return FileFormat.ARAS_AML
        raise refuse(FORMAT_UNKNOWN, "an XML document, but not an Aras AML package (<AML>)")
    if head.startswith(("[", "{")):
        if _looks_like_fixture(text):
            return FileFormat.INVENTREE
        raise refuse(FORMAT_UNKNOWN, "a JSON document, but not an InvenTree data export")
    first_line = head.splitlines()[0] if head else ""
    if "\t" in first_line and tsv_kind(first_line.split("\t")) is not None:
        return FileFormat.ARAS_TSV
    if not head.strip() or "\x00" in head:
        raise refuse(FORMAT_UNKNOWN, "empty or binary content that no importer reads")
    return FileFormat.CSV
