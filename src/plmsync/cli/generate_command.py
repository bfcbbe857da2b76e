"""`plmsync generate release|eco|stream`: seeded, reproducible packages (plmsync.generator)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from plmsync import generator
from plmsync.cli.common import console, handled
from plmsync.domain.package import ChangePackage
from plmsync.pipeline.fetch import read_package

generate_app = typer.Typer(
    name="generate",
    help="Write seeded, reproducible release packages and ECOs (benchmarks, load tests).",
    no_args_is_help=True,
)

OutOption = Annotated[Path, typer.Option("--out", "-o", help="File to write (JSON).")]
SeedOption = Annotated[int, typer.Option("--seed", help="Same seed, byte-identical output.")]


def parse_plants(text: str) -> tuple[tuple[str, str], ...]:
    """`US01:NA,DE01:EU` → (("US01", "NA"), ("DE01", "EU")); the region may be left out."""
    plants: list[tuple[str, str]] = []
    for part in text.split(","):
        code, _, region = part.strip().partition(":")
        if not code:
            raise typer.BadParameter(f"empty plant code in {text!r}", param_hint="--plants")
        plants.append((code, region))
    return tuple(plants)


@generate_app.command("release")
def release_command(
    out: OutOption,
    items: Annotated[int, typer.Option("--items", min=2, help="Items in the release.")] = 1_000,
    lines: Annotated[int, typer.Option("--lines", min=1, help="About this many BOM lines.")] = (
        5_000
    ),
    depth: Annotated[int, typer.Option("--depth", min=1, help="Assembly levels.")] = 6,
    plants: Annotated[
        str, typer.Option("--plants", help="Plants as CODE:REGION, comma separated.")
    ] = "US01:NA,DE01:EU",
    seed: SeedOption = 7,
    plain: Annotated[
        bool,
        typer.Option(
            "--plain",
            help="No substitutes, plant alternates, second sources or datasheets.",
        ),
    ] = False,
) -> None:
    """An initial release: a deep multi-level BOM over shared parts, for every plant, with
    substitutes, plant alternates, suppliers per region, drawings, datasheets and routings."""
    shape = generator.Shape(
        items=items,
        lines=lines,
        depth=depth,
        plants=parse_plants(plants),
        seed=seed,
        variety=generator.PLAIN if plain else generator.REALISTIC,
    )
    with handled():
        package = generator.release(shape)
        _write(package, out)


@generate_app.command("eco")
def eco_command(
    out: OutOption,
    base: Annotated[Path, typer.Option("--base", help="Release package the ECO changes.")],
    fraction: Annotated[
        float, typer.Option("--fraction", min=0.0, max=1.0, help="Share of assemblies revised.")
    ] = 0.01,
    seed: SeedOption = 11,
) -> None:
    """An ECO over a release: revised assemblies with quantity changes and swaps."""
    with handled():
        _, package = read_package(base)
        _write(generator.eco(package, fraction=fraction, seed=seed), out)


@generate_app.command("stream")
def stream_command(
    out_dir: Annotated[Path, typer.Option("--out-dir", "-d", help="Folder for the ECO files.")],
    base: Annotated[Path, typer.Option("--base", help="Release package the ECOs change.")],
    count: Annotated[int, typer.Option("--count", min=1, help="ECOs in the stream.")] = 200,
    assemblies: Annotated[
        int, typer.Option("--assemblies", min=1, help="At most this many assemblies per ECO.")
    ] = 3,
    plants: Annotated[
        str, typer.Option("--plants", help="Plants as CODE:REGION (default: the release's).")
    ] = "",
    start: Annotated[
        dt.datetime | None, typer.Option("--start", help="First approval (UTC).")
    ] = None,
    seed: SeedOption = 13,
) -> None:
    """ECOs one after another over a release: quantity changes, substitutions, added and
    removed lines, revision bumps, and some plants cutting over weeks after others."""
    with handled():
        _, package = read_package(base)
        codes = parse_plants(plants) if plants else tuple((p, "") for p in package.plant_codes)
        first = (start or generator.EPOCH).replace(tzinfo=dt.UTC)
        stream = generator.Stream(count=count, assemblies=assemblies, start=first, seed=seed)
        out_dir.mkdir(parents=True, exist_ok=True)
        for eco in generator.eco_stream(package, codes, stream):
            path = out_dir / f"{eco.change.number}.json"
            path.write_bytes(eco.model_dump_json(indent=2).encode() + b"\n")
        console.print(f"Wrote {count} ECOs to [bold]{out_dir}[/]")


def _write(package: ChangePackage, out: Path) -> None:
    out.write_bytes(package.model_dump_json(indent=2).encode() + b"\n")
    console.print(
        f"Wrote [bold]{out}[/]: {len(package.items)} items, {len(package.boms)} BOMs, "
        f"{sum(len(b.lines) for b in package.boms)} BOM lines"
    )
