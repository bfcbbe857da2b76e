"""Small builders for change packages and ERP records: sensible defaults, so a test states only
what matters to it.

Package parts are built as plain JSON-like dicts (what a PLM sends), so a test can also break
them on purpose; `package(...)` validates them into a `ChangePackage` exactly as the edge does.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from plmsync.domain.package import ChangePackage
from plmsync.domain.state import (
    BomLineRecord,
    BomRecord,
    DocumentRecord,
    ItemRecord,
    OperationRecord,
    Record,
    RoutingRecord,
    SourceRecord,
    TargetState,
    state_of,
)
from plmsync.pipeline.derive import PlantContext
from plmsync.pipeline.validate import ValidationContext

Json = dict[str, Any]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "gp40-release.json"
CUT_OVER = dt.date(2026, 5, 5)
PLANTS = frozenset({"US01", "DE01"})
UNIT_CATEGORIES = {"EA": "count", "KG": "mass", "G": "mass", "L": "volume", "M": "length"}


# --- the example ------------------------------------------------------------------------


@cache
def example_json() -> str:
    return EXAMPLE.read_text(encoding="utf-8")


def example_dict() -> Json:
    """A fresh, mutable copy of the example package as parsed JSON."""
    parsed: Json = json.loads(example_json())
    return copy.deepcopy(parsed)


def example_package() -> ChangePackage:
    return ChangePackage.model_validate_json(example_json())


# --- package parts (JSON-like dicts) -----------------------------------------------------


def item(number: str, revision: str = "A", **fields: Any) -> Json:
    defaults: Json = {
        "number": number,
        "revision": revision,
        "name": f"Item {number}",
        "uom": "EA",
        "item_type": "part",
        "lifecycle_state": "released",
        "make_buy": "buy",
    }
    return {**defaults, **fields}


def line(find_number: int, component: str, quantity: Any = "1", **fields: Any) -> Json:
    return {
        "find_number": find_number,
        "component": component,
        "quantity": quantity,
        "uom": "EA",
        **fields,
    }


def bom(parent: str, *lines: Json, revision: str = "A") -> Json:
    return {"item": parent, "revision": revision, "lines": list(lines)}


def components(parent: str, *children: str, revision: str = "A") -> Json:
    """A BOM using each child once, find numbers 10, 20, 30…"""
    return bom(parent, *(line(10 * (n + 1), c) for n, c in enumerate(children)), revision=revision)


def operation(sequence: int, work_center: str = "WC-1", **fields: Any) -> Json:
    return {
        "sequence": sequence,
        "operation": f"Op {sequence}",
        "work_center": work_center,
        **fields,
    }


def routing(parent: str, plant: str = "US01", *operations: Json, revision: str = "A") -> Json:
    return {
        "item": parent,
        "revision": revision,
        "plant": plant,
        "operations": list(operations) or [operation(10)],
    }


def document(number: str, *items: str, revision: str = "A", **fields: Any) -> Json:
    return {
        "number": number,
        "revision": revision,
        "title": f"Drawing {number}",
        "url": f"https://plm.example.com/docs/{number}/{revision}",
        "items": list(items),
        **fields,
    }


def sourcing(part: str, supplier: str = "ACME", mpn: str = "", **fields: Any) -> Json:
    return {
        "item": part,
        "manufacturer": "Maker",
        "mpn": mpn or f"MPN-{part}",
        "supplier": supplier,
        **fields,
    }


def affected(number: str, from_revision: str | None, to_revision: str | None) -> Json:
    return {"number": number, "from_revision": from_revision, "to_revision": to_revision}


def plant(code: str = "US01", effective_from: dt.date = CUT_OVER, **fields: Any) -> Json:
    return {"plant": code, "effective_from": effective_from.isoformat(), **fields}


def change(*plants: Json, **fields: Any) -> Json:
    return {"number": "ECO-1", "kind": "eco", "state": "released", "plants": list(plants), **fields}


def package_dict(
    *,
    items: list[Json] | tuple[Json, ...] = (),
    boms: list[Json] | tuple[Json, ...] = (),
    routings: list[Json] | tuple[Json, ...] = (),
    documents: list[Json] | tuple[Json, ...] = (),
    sources: list[Json] | tuple[Json, ...] = (),
    plants: tuple[Json, ...] | None = None,
    affected: list[Json] | tuple[Json, ...] = (),
) -> Json:
    return {
        "schema_version": "1",
        "source": {"system": "plm-test", "event_id": "evt-1", "emitted_at": "2026-05-04T09:00:00Z"},
        "change": change(*(plant(),) if plants is None else plants, affected_items=list(affected)),
        "items": list(items),
        "boms": list(boms),
        "routings": list(routings),
        "documents": list(documents),
        "sources": list(sources),
    }


def package(**parts: Any) -> ChangePackage:
    """A validated package; keyword arguments as for `package_dict`."""
    return ChangePackage.model_validate(package_dict(**parts))


def context(**overrides: Any) -> ValidationContext:
    values: Json = {"plants": PLANTS, "unit_categories": UNIT_CATEGORIES}
    return ValidationContext(**{**values, **overrides})


def at(
    code: str = "US01", effective_from: dt.date | None = CUT_OVER, region: str = ""
) -> PlantContext:
    return PlantContext(plant=code, region=region, effective_from=effective_from)


# --- ERP records ----------------------------------------------------------------------------


def item_record(number: str, revision: str = "A", **fields: Any) -> ItemRecord:
    values: Json = {"name": f"Item {number}", "uom": "EA", "item_type": "part", "make_buy": "buy"}
    return ItemRecord(number=number, revision=revision, **{**values, **fields})


def line_record(
    find_number: int, component: str, quantity: str = "1", *designators: str, uom: str = "EA"
) -> BomLineRecord:
    return BomLineRecord(find_number, component, Decimal(quantity), uom, designators)


def bom_record(parent: str, *lines: BomLineRecord, revision: str = "A") -> BomRecord:
    return BomRecord(parent, revision, tuple(sorted(lines, key=lambda ln: ln.find_number)))


def assembly_record(parent: str, *children: str, revision: str = "A") -> BomRecord:
    return bom_record(
        parent, *(line_record(10 * (n + 1), c) for n, c in enumerate(children)), revision=revision
    )


def routing_record(parent: str, revision: str = "A", *work_centers: str) -> RoutingRecord:
    operations = tuple(
        OperationRecord(10 * (n + 1), f"Op {n}", wc)
        for n, wc in enumerate(work_centers or ("WC-1",))
    )
    return RoutingRecord(parent, revision, operations)


def document_record(part: str, number: str, revision: str = "A") -> DocumentRecord:
    return DocumentRecord(
        part,
        number,
        revision,
        f"Drawing {number}",
        "drawing",
        f"https://plm.example.com/docs/{number}/{revision}",
    )


def source_record(part: str, supplier: str = "ACME", mpn: str = "") -> SourceRecord:
    return SourceRecord(part, supplier, "Maker", mpn or f"MPN-{part}")


def state(*records: Record) -> TargetState:
    return state_of(list(records))
