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


def build_package(
    bom: ParsedBom,
    *,
    item: str,
    revision: str,
    content: bytes,
    filename: str = "",
    emitted_at: dt.datetime | None = None,
) -> ChangePackage:
    """Find numbers are 10, 20, … in file order; the event id is the content's hash."""
    digest = hashlib.sha256(content).hexdigest()[:16]
    lines = tuple(
        BomLine(
            find_number=10 * (index + 1),
            component=entry.number,
            quantity=entry.quantity,
            uom=UOM,
            reference_designators=tuple(entry.designators),
        )
        for index, entry in enumerate(bom.entries)
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
            emitted_at=emitted_at or dt.datetime.now(dt.UTC),
        ),
        change=Change(
            number=f"IMPORT-{item}-{revision}",
            kind=ChangeKind.RELEASE,
            state=ChangeState.RELEASED,
            title=f"Imported BOM {filename}".strip(),
        ),
        items=(parent, *(_component(e) for e in bom.entries)),
        boms=(Bom(item=item, revision=revision, lines=lines),),
        sources=tuple(s for e in bom.entries for s in _sources(e)),
    )
