"""`plmsync import` without the command line: a file (or an Aras folder) → a change package.

Flat BOMs (CSV/TSV, KiCad, XLSX) become one parent item with one line per part, named by
`item`/`revision`; structured exports (Aras, InvenTree, STEP) carry their own parents and
become every part and every BOM of the structure. Any problem is an ImportRejected.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path

from plmsync.domain.package import ChangePackage
from plmsync.importers import aras, inventree, step_structure
from plmsync.importers.bom_csv import ParsedBom, read_bom
from plmsync.importers.bom_xlsx import read_xlsx
from plmsync.importers.formats import FLAT_FORMATS, FileFormat, detect
from plmsync.importers.mapping import ColumnMapping
from plmsync.importers.package import build_package
from plmsync.importers.refusals import FORMAT_UNKNOWN, MISSING_COMPANION, refuse
from plmsync.importers.structure import ProductStructure, build_structure_package


@dataclass(frozen=True, slots=True)
class ImportRequest:
    path: Path
    file_format: FileFormat | None = None
    mapping: ColumnMapping | None = None
    item: str | None = None
    revision: str = "-"
    previous: ChangePackage | None = None
    plants: tuple[str, ...] = ()
    emitted_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Imported:
    package: ChangePackage
    file_format: FileFormat
    summary: str


def import_file(request: ImportRequest) -> Imported:
    if request.path.is_dir():
        return _structured(request, FileFormat.ARAS_TSV, _folder_bytes(request.path))
    content = request.path.read_bytes()
    file_format = request.file_format or detect(content)
    if file_format in FLAT_FORMATS:
        return _flat(request, file_format, content)
    return _structured(request, file_format, content)


def _flat(request: ImportRequest, file_format: FileFormat, content: bytes) -> Imported:
    if file_format is FileFormat.XLSX:
        parsed = read_xlsx(content, request.mapping)
    else:
        parsed = read_bom(content, request.mapping)
        if request.file_format is not None:
            parsed = replace(parsed, format=file_format.value)
    package = build_package(
        parsed,
        item=request.item or request.path.stem,
        revision=request.revision,
        content=content,
        filename=request.path.name,
        emitted_at=request.emitted_at,
        previous=request.previous,
        plants=request.plants,
    )
    return Imported(package, FileFormat(parsed.format), _flat_summary(parsed))


def _flat_summary(parsed: ParsedBom) -> str:
    summary = f"{len(parsed.entries)} parts, {parsed.data_rows} rows"
    if parsed.dnp:
        refs = sum(len(entry.designators) for entry in parsed.dnp)
        summary += f"; {len(parsed.dnp)} do-not-populate rows ({refs} designators) left out"
    return summary


def _structure(path: Path, file_format: FileFormat, content: bytes) -> ProductStructure:
    if file_format is FileFormat.ARAS_TSV:
        if not path.is_dir() and aras.kind_of(path) is None:
            raise refuse(
                FORMAT_UNKNOWN,
                f"{path.name} is an Aras export of an item type other than Part or Part BOM",
            )
        folder = path if path.is_dir() else path.parent
        return aras.to_structure(aras.read_tsv_folder(folder), {"folder": folder.name})
    if file_format is FileFormat.ARAS_AML:
        return aras.to_structure(aras.read_aml(content))
    if file_format is FileFormat.INVENTREE:
        return inventree.read_inventree(content)
    return step_structure.read_step_assembly(path, content)


def _structured(request: ImportRequest, file_format: FileFormat, content: bytes) -> Imported:
    structure = _structure(request.path, file_format, content)
    package = build_structure_package(
        structure,
        file_format=file_format.value,
        content=content,
        filename=request.path.name,
        emitted_at=request.emitted_at,
        plants=request.plants,
    )
    summary = f"{len(package.items)} parts, {len(package.boms)} BOMs, " + (
        f"{sum(len(bom.lines) for bom in package.boms)} lines, {len(package.sources)} sources"
    )
    return Imported(package, file_format, summary)


def _folder_bytes(folder: Path) -> bytes:
    """The folder's TSVs in name order: what the package's event id is a hash of."""
    files = sorted(folder.glob("*.txt"))
    if not files:
        raise refuse(MISSING_COMPANION, f"{folder} holds no Aras export files (*.txt)")
    return b"".join(path.read_bytes() for path in files)
