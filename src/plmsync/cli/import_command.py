"""`plmsync import FILE`: a PLM/EDA export → a canonical change package (JSON).

Flat BOMs (CSV/TSV, KiCad, XLSX) and product structures (Aras TSV/AML, InvenTree, STEP);
the format is detected from the content unless --format names it. A file no importer can
read is reported with a code and a remedy (exit 2), never a stack trace.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from plmsync.cli.common import EXIT_INVALID, err_console, handled
from plmsync.cli.render import print_error
from plmsync.domain.errors import ImportRejected
from plmsync.importers.dispatch import ImportRequest, import_file
from plmsync.importers.formats import FLAT_FORMATS, FileFormat
from plmsync.importers.mapping import ColumnMapping
from plmsync.pipeline.fetch import read_package


def import_command(
    file: Annotated[
        Path, typer.Argument(help="Export to import (a folder for Aras TSVs).", exists=True)
    ],
    file_format: Annotated[
        FileFormat | None,
        typer.Option("--format", help="File format (detected from the content if absent)."),
    ] = None,
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help="Column mapping (YAML).", exists=True)
    ] = None,
    item: Annotated[
        str | None,
        typer.Option("--item", help="Parent item of a flat BOM (default: file name)."),
    ] = None,
    revision: Annotated[str, typer.Option("--revision", help="Parent revision.")] = "-",
    previous: Annotated[
        Path | None,
        typer.Option(
            "--previous",
            help="Earlier package of this BOM: its find numbers are kept.",
            exists=True,
        ),
    ] = None,
    plant: Annotated[
        list[str] | None,
        typer.Option(
            "--plant", "-p", help="Plant the change is for, effective today (repeatable)."
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Turn an export into a change package: a flat BOM under one parent, or a whole
    multi-level structure (Aras, InvenTree, STEP)."""
    with handled():  # a rejected --previous package or mapping is reported like any other
        earlier = read_package(previous)[1] if previous else None
        columns = ColumnMapping.load(mapping) if mapping else None
    request = ImportRequest(
        path=file,
        file_format=file_format,
        mapping=columns,
        item=item,
        revision=revision,
        previous=earlier,
        plants=tuple(plant or ()),
    )
    try:
        imported = import_file(request)
    except ImportRejected as error:
        err_console.print(f"[bold red]Cannot import {file.name}[/]")
        print_error(err_console, error)
        raise typer.Exit(EXIT_INVALID) from None
    if imported.file_format not in FLAT_FORMATS and (item or previous or revision != "-"):
        err_console.print(
            "[yellow]Note[/]: --item, --revision and --previous apply to flat BOMs; "
            f"a {imported.file_format} export names its own parts and revisions."
        )
    text = imported.package.model_dump_json(indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err_console.print(f"{imported.file_format}: {imported.summary} → [bold]{output}[/]")
