"""Derive one plant's view of a change package: the ERP objects that plant should hold.

Pure: the same package and plant always give the same state. Plant-specific rules (alternates,
local sourcing, exclusions) are applied here so that diff and plan stay rule-free: first the
engineering view (the package's lines, routing and sources for this plant), then the plant's
rules from `rules.plants` / `rules.regions` (pipeline/plant_rules.py), which also say which rule
produced each difference (`derive_with_trace`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from plmsync.domain.package import (
    Bom,
    BomLine,
    ChangePackage,
    Item,
    ItemSourcing,
    Operation,
    SourceStatus,
)
from plmsync.domain.rules import DEFAULT_RULES, Rules
from plmsync.domain.state import (
    BomLineRecord,
    BomRecord,
    DocumentRecord,
    ItemRecord,
    ObjectKind,
    OperationRecord,
    RoutingRecord,
    SourceRecord,
    TargetState,
)
from plmsync.pipeline.plant_rules import Derivation, apply_plant_rules

# Sources in these states are not approved to buy from: they are left out of the plant's AVL.
_NOT_BUYABLE = {SourceStatus.DISQUALIFIED, SourceStatus.OBSOLETE}


@dataclass(frozen=True, slots=True)
class PlantContext:
    plant: str
    region: str = ""
    effective_from: dt.date | None = None


def derive(
    package: ChangePackage, plant: PlantContext, rules: Rules = DEFAULT_RULES
) -> TargetState:
    return derive_with_trace(package, plant, rules)[0]


def derive_with_trace(
    package: ChangePackage, plant: PlantContext, rules: Rules = DEFAULT_RULES
) -> tuple[TargetState, list[Derivation]]:
    """The plant's view, and every difference its rules made to the engineering view."""
    plant_rules = rules.for_plant(plant.plant, plant.region)
    return apply_plant_rules(package, engineering_view(package, plant), plant_rules)


def engineering_view(package: ChangePackage, plant: PlantContext) -> TargetState:
    """The package as this plant sees it before plant rules: its lines, routing, sources."""
    return TargetState(
        items={i.number: _item(i) for i in package.items},
        boms={b.item: _bom(b, plant) for b in package.boms},
        routings={
            r.item: RoutingRecord(r.item, r.revision, _operations(r.operations))
            for r in package.routings
            if r.plant == plant.plant
        },
        documents=_documents(package),
        sources={s.key: s for s in _sources(package.sources, plant)},
        # The package lists every document and every source of the items it names them for,
        # including sources disqualified or meant for other plants: extras in ERP retire.
        complete_for={
            ObjectKind.DOCUMENT: frozenset(i for d in package.documents for i in d.items),
            ObjectKind.SOURCE: frozenset(s.item for s in package.sources),
        },
    )


def _item(item: Item) -> ItemRecord:
    return ItemRecord(
        number=item.number,
        revision=item.revision,
        name=item.name,
        uom=item.uom,
        item_type=item.item_type.value,
        make_buy=item.make_buy.value,
        description=item.description,
    )


def _bom(bom: Bom, plant: PlantContext) -> BomRecord:
    lines = [_line(line) for line in bom.lines if line_applies(line, plant)]
    lines.sort(key=lambda line: line.find_number)
    return BomRecord(bom.item, bom.revision, tuple(lines))


def line_applies(line: BomLine, plant: PlantContext) -> bool:
    """A line belongs to the plant's view if it is for this plant and valid at its cut-over."""
    if line.plants is not None and plant.plant not in line.plants:
        return False
    on = plant.effective_from
    if on is None:
        return True
    starts_in_time = line.effective_from is None or line.effective_from <= on
    not_ended = line.effective_to is None or line.effective_to > on
    return starts_in_time and not_ended


def _line(line: BomLine) -> BomLineRecord:
    return BomLineRecord(
        find_number=line.find_number,
        component=line.component,
        quantity=line.quantity,
        uom=line.uom,
        reference_designators=tuple(sorted(line.reference_designators, key=_natural)),
    )


def _natural(designator: str) -> tuple[str, int, str]:
    """R2 before R10: designators sort by prefix, then number."""
    prefix = designator.rstrip("0123456789")
    digits = designator[len(prefix):]
    return (prefix, int(digits) if digits else -1, designator)


def _operations(operations: tuple[Operation, ...]) -> tuple[OperationRecord, ...]:
    records = (
        OperationRecord(op.sequence, op.operation, op.work_center, op.setup_time, op.run_time)
        for op in operations
    )
    return tuple(sorted(records, key=lambda r: r.sequence))


def _documents(package: ChangePackage) -> dict[str, DocumentRecord]:
    records = (
        DocumentRecord(item, d.number, d.revision, d.title, d.doc_type, d.url)
        for d in package.documents
        for item in d.items
    )
    return {r.key: r for r in records}


def _sources(sources: tuple[ItemSourcing, ...], plant: PlantContext) -> list[SourceRecord]:
    return [
        SourceRecord(s.item, s.supplier, s.manufacturer, s.mpn, s.status.value)
        for s in sources
        if s.status not in _NOT_BUYABLE and _source_serves(s, plant)
    ]


def _source_serves(source: ItemSourcing, plant: PlantContext) -> bool:
    if source.plants is None and source.regions is None:
        return True
    return plant.plant in (source.plants or ()) or plant.region in (source.regions or ())
