"""`plmsync import FILE`: a BOM export (CSV/TSV, KiCad) → a canonical change package (JSON)."""

from __future__ import annotations

import sys
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from plmsync.cli.common import EXIT_INVALID, err_console, handled
from plmsync.importers.bom_csv import read_bom
from plmsync.importers.mapping import ColumnMapping
from plmsync.importers.package import build_package
from plmsync.pipeline.fetch import read_package


class ImportFormat(StrEnum):
    CSV = "csv"
    KICAD = "kicad"


def import_command(
    file: Annotated[Path, typer.Argument(help="BOM export to import.", exists=True)],
    file_format: Annotated[
        ImportFormat | None,
        typer.Option("--format", help="File format (detected from the content if absent)."),
    ] = None,
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help="Column mapping (YAML).", exists=True)
    ] = None,
    item: Annotated[
        str | None, typer.Option("--item", help="Parent item number (default: file name).")
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
    """Turn a BOM export into a change package: one parent item, one part per distinct part."""
    # csv and kicad share one reader: KiCad's column names are among the mapping's defaults and
    # its title block is skipped by header detection. The format (given, else detected from the
    # content) is recorded in the package's source.
    content = file.read_bytes()
    with handled():  # a rejected --previous package is reported like any other
        earlier = read_package(previous)[1] if previous else None
    try:
        columns = ColumnMapping.load(mapping) if mapping else ColumnMapping()
        parsed = read_bom(content, columns)
        if file_format is not None:
            parsed = replace(parsed, format=file_format.value)
        package = build_package(
            parsed,
            item=item or file.stem,
            revision=revision,
            content=content,
            filename=file.name,
            previous=earlier,
            plants=tuple(plant or ()),
        )
    except ValueError as error:
        err_console.print(f"[bold red]Cannot import {file.name}[/]: {error}")
        raise typer.Exit(EXIT_INVALID) from None
    text = package.model_dump_json(indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err_console.print(
            f"{len(parsed.entries)} parts, {parsed.data_rows} rows → [bold]{output}[/]"
        )
