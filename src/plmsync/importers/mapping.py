"""Declarative column mapping: canonical BOM fields → the header names a file uses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from plmsync.domain.errors import ConfigError
from plmsync.importers.refusals import NO_HEADER, refuse
from plmsync.importers.sniff import normalise_header


class SourcePair(BaseModel):
    """One manufacturer/MPN column pair; `occurrence` picks among duplicate column names."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    manufacturer: str | None = None
    mpn: str
    occurrence: int = Field(default=1, ge=1)


class ColumnMapping(BaseModel):
    """Each field lists accepted header names (case-insensitive); the first one present wins.

    `sources` empty means: every MPN-like column, paired with the manufacturer column before it
    (or, when none is before it, the first one after it).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    designators: tuple[str, ...] = (
        "ref",
        "refs",
        "reference",
        "references",
        "reference(s)",
        "refdes",
        "designator",
        "designators",
    )
    quantity: tuple[str, ...] = ("qty", "quantity", "count")
    part_number: tuple[str, ...] = ("internal part number", "ipn", "item number")
    value: tuple[str, ...] = ("value", "val")
    footprint: tuple[str, ...] = ("footprint", "package")
    description: tuple[str, ...] = ("description", "desc")
    manufacturer_names: tuple[str, ...] = ("manufacturer", "mfr", "mfg", "manufacturer name")
    mpn_names: tuple[str, ...] = ("mpn", "part number", "manufacturer part number", "mfr part")
    sources: tuple[SourcePair, ...] = ()
    # A row is left out of the BOM when this column holds a mark (DNP, x, yes, 1…), or when
    # its value is one of `dnp_values`. That list is empty by default: files without a DNP
    # column (the HackRF BOMs) use a "DNP" value as a placeholder part, and keeping it as a
    # line keeps every designator on a line for designator-level revision diffs.
    dnp: tuple[str, ...] = ("dnp", "do not populate", "do not place", "dnf", "no stuff")
    dnp_values: tuple[str, ...] = ()

    @classmethod
    def load(cls, path: Path) -> ColumnMapping:
        """Read a YAML mapping; a bad one is a ConfigError naming the file and the problem."""
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"mapping {path.name} is not valid YAML: {exc}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"mapping {path.name} must be a YAML mapping of field: columns")
        for key, value in list(data.items()):
            if isinstance(value, str):
                data[key] = (value,)
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()
            )
            raise ConfigError(f"mapping {path.name}: {problems}") from None


def _where(location: tuple[int | str, ...]) -> str:
    return ".".join(map(str, location))


@dataclass(frozen=True, slots=True)
class Columns:
    """Column indices resolved against one header row."""

    designators: int | None
    quantity: int | None
    part_number: int | None
    value: int | None
    footprint: int | None
    description: int | None
    sources: tuple[tuple[int | None, int], ...]
    dnp: int | None = None


def _first(header: Sequence[str], names: Sequence[str]) -> int | None:
    wanted = [normalise_header(n) for n in names]
    for name in wanted:
        for index, cell in enumerate(header):
            if cell == name:
                return index
    return None


def _nth(header: Sequence[str], name: str, occurrence: int) -> int | None:
    hits = [i for i, cell in enumerate(header) if cell == normalise_header(name)]
    return hits[occurrence - 1] if len(hits) >= occurrence else None


def _sources(header: Sequence[str], mapping: ColumnMapping) -> tuple[tuple[int | None, int], ...]:
    pairs: list[tuple[int | None, int]] = []
    if mapping.sources:
        for pair in mapping.sources:
            mpn = _nth(header, pair.mpn, pair.occurrence)
            if mpn is None:
                raise refuse(
                    NO_HEADER, f"MPN column {pair.mpn!r} (#{pair.occurrence}) not in the header"
                )
            maker = _nth(header, pair.manufacturer, pair.occurrence) if pair.manufacturer else None
            pairs.append((maker, mpn))
        return tuple(pairs)
    mpn_names = {normalise_header(n) for n in mapping.mpn_names}
    maker_names = {normalise_header(n) for n in mapping.manufacturer_names}
    for index, cell in enumerate(header):
        if cell in mpn_names:
            # The manufacturer column before the MPN; else the one after it (Glasgow: MPN, Mfg).
            before = range(index - 1, -1, -1)
            after = range(index + 1, len(header))
            maker = next((i for i in before if header[i] in maker_names), None)
            if maker is None:
                maker = next((i for i in after if header[i] in maker_names), None)
            pairs.append((maker, index))
    return tuple(pairs)


def resolve(header_row: Sequence[str], mapping: ColumnMapping) -> Columns:
    header = [normalise_header(cell) for cell in header_row]
    return Columns(
        designators=_first(header, mapping.designators),
        quantity=_first(header, mapping.quantity),
        part_number=_first(header, mapping.part_number),
        value=_first(header, mapping.value),
        footprint=_first(header, mapping.footprint),
        description=_first(header, mapping.description),
        sources=_sources(header, mapping),
        dnp=_first(header, mapping.dnp),
    )
