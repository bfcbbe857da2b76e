"""What one plant's ERP should hold (derived from a package) or does hold (read from the ERP).

Both sides of a diff use these same records, so a diff is a plain comparison and an adapter's
read is tested by "apply, read back, diff is empty". Records hold only PLM-owned attributes:
ERP-owned ones (prices, lead times, planning parameters) never enter them, so they can never
be written.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class ObjectKind(StrEnum):
    """Kinds of ERP objects, in the order they must be posted."""

    ITEM = "item"
    BOM = "bom"
    ROUTING = "routing"
    DOCUMENT = "document"
    SOURCE = "source"


@dataclass(frozen=True, slots=True)
class ItemRecord:
    number: str
    revision: str
    name: str
    uom: str
    item_type: str
    make_buy: str
    description: str = ""

    @property
    def key(self) -> str:
        return self.number


@dataclass(frozen=True, slots=True)
class BomLineRecord:
    find_number: int
    component: str
    quantity: Decimal
    uom: str
    reference_designators: tuple[str, ...] = ()

    @property
    def key(self) -> int:
        return self.find_number


@dataclass(frozen=True, slots=True)
class BomRecord:
    """The BOM a plant uses for `item`; `lines` are sorted by find number."""

    item: str
    revision: str
    lines: tuple[BomLineRecord, ...]

    @property
    def key(self) -> str:
        return self.item

    @property
    def components(self) -> frozenset[str]:
        return frozenset(line.component for line in self.lines)


@dataclass(frozen=True, slots=True)
class OperationRecord:
    sequence: int
    operation: str
    work_center: str
    setup_time: Decimal | None = None
    run_time: Decimal | None = None


@dataclass(frozen=True, slots=True)
class RoutingRecord:
    item: str
    revision: str
    operations: tuple[OperationRecord, ...]

    @property
    def key(self) -> str:
        return self.item


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    """A document revision linked to an item."""

    item: str
    number: str
    revision: str
    title: str
    doc_type: str
    url: str

    @property
    def key(self) -> str:
        return f"{self.item}/{self.number}"


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """An approved manufacturer part bought from a supplier, for one item."""

    item: str
    supplier: str
    manufacturer: str
    mpn: str
    status: str = "approved"

    @property
    def key(self) -> str:
        return f"{self.item}/{self.supplier}/{self.mpn}"


Record = ItemRecord | BomRecord | RoutingRecord | DocumentRecord | SourceRecord


@dataclass(frozen=True)
class TargetState:
    """A set of ERP objects for one plant, each kind keyed by its natural key."""

    items: dict[str, ItemRecord] = field(default_factory=dict)
    boms: dict[str, BomRecord] = field(default_factory=dict)
    routings: dict[str, RoutingRecord] = field(default_factory=dict)
    documents: dict[str, DocumentRecord] = field(default_factory=dict)
    sources: dict[str, SourceRecord] = field(default_factory=dict)
    # Items whose complete list of records of a kind this state declares, even when the
    # list is empty for this plant (e.g. every source of an item was disqualified in PLM).
    complete_for: dict[ObjectKind, frozenset[str]] = field(default_factory=dict, compare=False)

    def of_kind(self, kind: ObjectKind) -> dict[str, Record]:
        return dict(getattr(self, _ATTRIBUTE[kind]))

    def restricted_to(self, numbers: Collection[str]) -> TargetState:
        """The records owned by these items (an item, or a BOM, routing, document or source
        of it): what a read of just these item numbers returns."""
        wanted = frozenset(numbers)
        return state_of([record for record in self.records() if owner(record) in wanted])

    def records(self) -> list[Record]:
        kinds = (self.items, self.boms, self.routings, self.documents, self.sources)
        return [record for kind in kinds for record in kind.values()]

    @property
    def item_numbers(self) -> frozenset[str]:
        """Every item this state refers to, as an item, a BOM parent or a component."""
        numbers = set(self.items)
        for bom in self.boms.values():
            numbers.add(bom.item)
            numbers.update(bom.components)
        numbers.update(r.item for r in self.routings.values())
        numbers.update(d.item for d in self.documents.values())
        numbers.update(s.item for s in self.sources.values())
        return frozenset(numbers)


_ATTRIBUTE = {
    ObjectKind.ITEM: "items",
    ObjectKind.BOM: "boms",
    ObjectKind.ROUTING: "routings",
    ObjectKind.DOCUMENT: "documents",
    ObjectKind.SOURCE: "sources",
}


def owner(record: Record) -> str:
    """The item number a record belongs to."""
    return record.number if isinstance(record, ItemRecord) else record.item


def state_of(records: list[Record]) -> TargetState:
    """Build a state from loose records (handy for adapters and tests)."""
    state = TargetState()
    for record in records:
        kind = KIND_OF[type(record)]
        getattr(state, _ATTRIBUTE[kind])[record.key] = record
    return state


KIND_OF: dict[type, ObjectKind] = {
    ItemRecord: ObjectKind.ITEM,
    BomRecord: ObjectKind.BOM,
    RoutingRecord: ObjectKind.ROUTING,
    DocumentRecord: ObjectKind.DOCUMENT,
    SourceRecord: ObjectKind.SOURCE,
}
