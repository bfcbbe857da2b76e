"""Multi-level product structures (Aras, InvenTree, STEP) → one canonical change package.

Readers of structured exports produce a `ProductStructure`: parts, parent → component usages
and approved sources. This module turns it into a package: every part an item, one BOM per
parent, quantities exact. A part that is the parent of a usage is an assembly made in house
unless the export says otherwise (Aras make/buy); every other part is bought.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

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
    Substitute,
)
from plmsync.importers.refusals import DANGLING_REFERENCE, EMPTY, refuse

UOM = "EA"


@dataclass(frozen=True, slots=True)
class StructurePart:
    number: str
    revision: str
    name: str
    description: str = ""
    make_buy: MakeBuy | None = None
    uom: str = UOM
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Usage:
    """`quantity` of `component` in one `parent`; `sort_order` orders the parent's lines."""

    parent: str
    component: str
    quantity: Decimal
    sort_order: int | None = None
    designators: tuple[str, ...] = ()
    substitutes: tuple[str, ...] = ()
    notes: str = ""


@dataclass(frozen=True, slots=True)
class PartSourcing:
    item: str
    manufacturer: str
    mpn: str
    supplier: str


@dataclass(frozen=True, slots=True)
class ProductStructure:
    parts: tuple[StructurePart, ...]
    usages: tuple[Usage, ...]
    sources: tuple[PartSourcing, ...] = ()
    provenance: Mapping[str, Any] = field(default_factory=dict)

    def children(self) -> dict[str, list[Usage]]:
        """Usages per parent, parents in first-seen order, lines by sort order then file."""
        grouped: dict[str, list[Usage]] = {}
        for usage in self.usages:
            grouped.setdefault(usage.parent, []).append(usage)
        for usages in grouped.values():
            usages.sort(key=lambda u: u.sort_order if u.sort_order is not None else 0)
        return grouped


def check_references(structure: ProductStructure) -> None:
    """Every usage and source names a part of the structure; ImportRejected otherwise."""
    if not structure.parts:
        raise refuse(EMPTY, "the export holds no parts")
    known = {part.number for part in structure.parts}
    for usage in structure.usages:
        for number in (usage.parent, usage.component, *usage.substitutes):
            if number not in known:
                raise refuse(
                    DANGLING_REFERENCE,
                    f"BOM line {usage.parent} → {usage.component} names unknown part {number}",
                )
    for source in structure.sources:
        if source.item not in known:
            raise refuse(
                DANGLING_REFERENCE, f"source {source.mpn} names unknown part {source.item}"
            )


def _item(part: StructurePart, is_parent: bool) -> Item:
    default = MakeBuy.MAKE if is_parent else MakeBuy.BUY
    return Item(
        number=part.number,
        revision=part.revision,
        name=part.name or part.number,
        uom=part.uom,
        item_type=ItemType.ASSEMBLY if is_parent else ItemType.PART,
        lifecycle_state=LifecycleState.RELEASED,
        make_buy=part.make_buy or default,
        description=part.description,
        attributes=dict(part.attributes),
    )


def _line(index: int, usage: Usage, uom: str) -> BomLine:
    return BomLine(
        find_number=10 * (index + 1),
        component=usage.component,
        quantity=usage.quantity,
        uom=uom,
        reference_designators=usage.designators,
        substitutes=tuple(
            Substitute(component=sub, priority=rank + 1)
            for rank, sub in enumerate(usage.substitutes)
        ),
        notes=usage.notes,
    )


def build_structure_package(
    structure: ProductStructure,
    *,
    file_format: str,
    content: bytes,
    filename: str = "",
    emitted_at: dt.datetime | None = None,
    plants: tuple[str, ...] = (),
) -> ChangePackage:
    """One release change carrying every part and every parent's BOM (all levels)."""
    check_references(structure)
    digest = hashlib.sha256(content).hexdigest()[:16]
    emitted_at = emitted_at or dt.datetime.now(dt.UTC)
    children = structure.children()
    revisions = {part.number: part.revision for part in structure.parts}
    uoms = {part.number: part.uom for part in structure.parts}
    label = filename or file_format
    return ChangePackage(
        schema_version="1",
        source=EventSource(
            system="file-import",
            event_id=f"{label}:{digest}",
            emitted_at=emitted_at,
            file=filename,
            format=file_format,
            **structure.provenance,
        ),
        change=Change(
            number=f"IMPORT-{digest}",
            kind=ChangeKind.RELEASE,
            state=ChangeState.RELEASED,
            title=f"Imported product structure {filename}".strip(),
            plants=tuple(
                PlantEffectivity(plant=code, effective_from=emitted_at.date()) for code in plants
            ),
        ),
        items=tuple(_item(part, part.number in children) for part in structure.parts),
        boms=tuple(
            Bom(
                item=parent,
                revision=revisions[parent],
                lines=tuple(_line(i, u, uoms[u.component]) for i, u in enumerate(usages)),
            )
            for parent, usages in children.items()
        ),
        sources=tuple(
            ItemSourcing(item=s.item, manufacturer=s.manufacturer, mpn=s.mpn, supplier=s.supplier)
            for s in structure.sources
        ),
    )
