"""Parsed BOM → canonical ChangePackage: one parent assembly, one part per distinct component."""

from __future__ import annotations

import datetime as dt
import hashlib

from plmsync.domain.package import (
    Bom,
    BomLine,
    Change,
    ChangeKind,
    ChangePackage,
    ChangeState,
    EventSource,
    Item,
    ItemSourcing,
    ItemType,
    LifecycleState,
    MakeBuy,
    PlantEffectivity,
)
from plmsync.importers.bom_csv import BomEntry, ParsedBom

COMPONENT_REVISION = "-"
UOM = "EA"


def _component(entry: BomEntry) -> Item:
    name = entry.description or entry.value or entry.number
    attributes = {k: v for k, v in (("value", entry.value), ("footprint", entry.footprint)) if v}
    return Item(
        number=entry.number,
        revision=COMPONENT_REVISION,
        name=name,
        uom=UOM,
        item_type=ItemType.PART,
        lifecycle_state=LifecycleState.RELEASED,
        make_buy=MakeBuy.BUY,
        description=entry.description,
        attributes=attributes,
    )


def _sources(entry: BomEntry) -> list[ItemSourcing]:
    # A BOM export names manufacturers, not suppliers: the manufacturer stands in for both.
    return [
        ItemSourcing(
            item=entry.number,
            manufacturer=s.manufacturer,
            mpn=s.mpn,
            supplier=s.manufacturer or "UNKNOWN",
        )
        for s in entry.sources
    ]


def _beyond_the_lines(bom: ParsedBom) -> dict[str, object]:
    """Provenance of what the file holds but the BOM does not: DNP designators, the sheet."""
    extra: dict[str, object] = {}
    if bom.dnp:
        extra["not_populated"] = [ref for entry in bom.dnp for ref in entry.designators]
        extra["not_populated_rows"] = len(bom.dnp)
    if bom.sheet:
        extra["sheet"] = bom.sheet
    return extra


def find_numbers(components: list[str], previous: ChangePackage | None = None) -> list[int]:
    """10, 20, … in file order; with `previous`, a component keeps its earlier find number and
    new components count on from the highest one, so a revision diff (matched by find number)
    shows only the parts that really came, went or changed."""
    if previous is None or not previous.boms:
        return [10 * (index + 1) for index in range(len(components))]
    known = {line.component: line.find_number for line in previous.boms[0].lines}
    top = max(known.values(), default=0)
    numbers: list[int] = []
    for component in components:
        if component not in known:
            top += 10
            known[component] = top
        numbers.append(known[component])
    return numbers


def build_package(
    bom: ParsedBom,
    *,
    item: str,
    revision: str,
    content: bytes,
    filename: str = "",
    emitted_at: dt.datetime | None = None,
    previous: ChangePackage | None = None,
    plants: tuple[str, ...] = (),
) -> ChangePackage:
    """The event id is the content's hash; see `find_numbers` for line numbering."""
    digest = hashlib.sha256(content).hexdigest()[:16]
    emitted_at = emitted_at or dt.datetime.now(dt.UTC)
    numbers = find_numbers([entry.number for entry in bom.entries], previous)
    lines = tuple(
        BomLine(
            find_number=number,
            component=entry.number,
            quantity=entry.quantity,
            uom=UOM,
            reference_designators=tuple(entry.designators),
        )
        for number, entry in zip(numbers, bom.entries, strict=True)
    )
    parent = Item(
        number=item,
        revision=revision,
        name=item,
        uom=UOM,
        item_type=ItemType.ASSEMBLY,
        lifecycle_state=LifecycleState.RELEASED,
        make_buy=MakeBuy.MAKE,
    )
    return ChangePackage(
        schema_version="1",
        source=EventSource(
            system="file-import",
            event_id=f"{filename or 'bom'}:{digest}",
            emitted_at=emitted_at,
            # Provenance (EventSource keeps extra keys): how the file was read.
            file=filename,
            format=bom.format,
            encoding=bom.encoding,
            delimiter=bom.delimiter,
            header_row=bom.header_row,
            **_beyond_the_lines(bom),
        ),
        change=Change(
            number=f"IMPORT-{item}-{revision}",
            kind=ChangeKind.RELEASE,
            state=ChangeState.RELEASED,
            title=f"Imported BOM {filename}".strip(),
            plants=tuple(
                PlantEffectivity(plant=code, effective_from=emitted_at.date()) for code in plants
            ),
        ),
        items=(parent, *(_component(e) for e in bom.entries)),
        boms=(Bom(item=item, revision=revision, lines=lines),),
        sources=tuple(s for e in bom.entries for s in _sources(e)),
    )
