"""The GP-40 gear pump sample packages, the plants they are for, and builders for scenarios.

The samples live in `plmsync.samples` (the demo posts them too):
- `gp40_release.json`, REL-0007: the initial release (same content as examples/gp40-release.json);
- `gp40_eco.json`, ECO-0012: GRS-40 rev C swaps idler gear GR-402 for GR-402B, PMP-40 rev B
  takes 8 screws SCR-M5X16 instead of 6, drawing DRW-40 goes to rev B, and HSG-40 gains a
  foundry for region EU (so DE01 buys from it, US01 does not).

Builders return edited copies; packages are immutable, so samples can be shared freely.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from functools import cache
from importlib import resources

from plmsync.domain.package import Bom, BomLine, ChangePackage, Item, ItemSourcing, Routing
from plmsync.pipeline.derive import PlantContext

US01 = PlantContext("US01", region="NA")
DE01 = PlantContext("DE01", region="EU")
SAMPLE_PLANTS = (US01, DE01)


@cache
def load_sample(name: str) -> ChangePackage:
    raw = resources.files("plmsync.samples").joinpath(name).read_bytes()
    return ChangePackage.model_validate_json(raw)


def release_package() -> ChangePackage:
    return load_sample("gp40_release.json")


def eco_package() -> ChangePackage:
    return load_sample("gp40_eco.json")


def renumber(package: ChangePackage, number: str) -> ChangePackage:
    """The same content released under another change number."""
    change = package.change.model_copy(update={"number": number})
    return package.model_copy(update={"change": change})


def revise(package: ChangePackage, item: str, revision: str) -> ChangePackage:
    """Move an item and its BOM to a new revision, content unchanged."""
    items = tuple(_item_revision(i, revision) if i.number == item else i for i in package.items)
    boms = tuple(_bom_revision(b, revision) if b.item == item else b for b in package.boms)
    return package.model_copy(update={"items": items, "boms": boms})


def with_line_quantity(
    package: ChangePackage, item: str, find_number: int, quantity: Decimal
) -> ChangePackage:
    """Change the quantity of one line of an item's BOM."""

    def edit(line: BomLine) -> BomLine:
        if line.find_number != find_number:
            return line
        return line.model_copy(update={"quantity": quantity})

    boms = tuple(
        b.model_copy(update={"lines": tuple(edit(line) for line in b.lines)})
        if b.item == item
        else b
        for b in package.boms
    )
    return package.model_copy(update={"boms": boms})


def with_routing_operation(
    package: ChangePackage, item: str, revision: str, operation: str
) -> ChangePackage:
    """Move an item's routings (every plant's) to a new revision ending with one more
    operation, done at the work center of the last one."""
    routings = tuple(
        _routing_with(r, revision, operation) if r.item == item else r for r in package.routings
    )
    return package.model_copy(update={"routings": routings})


def with_sources(
    package: ChangePackage, item: str, sources: Sequence[ItemSourcing]
) -> ChangePackage:
    """Replace the sourcing of one item (the package lists every source an item has)."""
    kept = tuple(s for s in package.sources if s.item != item)
    return package.model_copy(update={"sources": kept + tuple(sources)})


def _routing_with(routing: Routing, revision: str, name: str) -> Routing:
    last = routing.operations[-1]
    added = last.model_copy(update={"sequence": last.sequence + 10, "operation": name})
    return routing.model_copy(
        update={"revision": revision, "operations": (*routing.operations, added)}
    )


def _item_revision(item: Item, revision: str) -> Item:
    return item.model_copy(update={"revision": revision})


def _bom_revision(bom: Bom, revision: str) -> Bom:
    return bom.model_copy(update={"revision": revision})
