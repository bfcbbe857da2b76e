"""A PLM's REST answers → one canonical `ChangePackage`, as the mapping says.

The change's released items become items (assemblies and parts) and documents; each
assembly's BOM rows become lines, and a component the change did not release (an earlier
released part) becomes an item from its row, so the package carries the whole graph. Values
are gathered into a plain document first and validated once, so every mapping problem of an
answer is reported together, each with where it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from plmsync.connectors.plm.mapping import BomMapping, RestMapping
from plmsync.connectors.plm.paths import lookup
from plmsync.domain.package import ChangePackage, LifecycleState
from plmsync.ports.plm import PlmEvent
from plmsync.ports.plm_errors import PlmMappingFailed

Json = dict[str, Any]


def package_from(
    event: PlmEvent,
    change: Json,
    boms: Mapping[str, Json],
    mapping: RestMapping,
    *,
    system: str,
    plants: Sequence[str],
) -> ChangePackage:
    """`boms` holds each released assembly's BOM answer by the item's id."""
    released = _records(change, mapping.change.items)
    items = {str(lookup(r, mapping.item.id)): r for r in released if not _is_document(r, mapping)}
    canonical = {_text(r, mapping.item.number): _item(r, mapping) for r in items.values()}
    lines = {
        _text(items[item_id], mapping.item.number): _rows(bom, mapping.bom)
        for item_id, bom in boms.items()
    }
    for rows in lines.values():
        for row in rows:
            canonical.setdefault(row["component"], _component(row, mapping))
    document = {
        "schema_version": "1",
        "source": {
            "system": system,
            "event_id": event.event_id,
            "emitted_at": event.occurred_at.isoformat(),
        },
        "change": _change(event, change, mapping, plants),
        "items": list(canonical.values()),
        "boms": [_bom(items, number, rows, canonical, mapping) for number, rows in lines.items()],
        "documents": [_document(r, items, mapping) for r in released if _is_document(r, mapping)],
        "sources": _sources([row for rows in lines.values() for row in rows]),
    }
    return _validated(document, event)


def _records(document: Json, path: str) -> list[Json]:
    found = lookup(document, path)
    return [r for r in found if isinstance(r, dict)] if isinstance(found, list) else []


def _text(record: object, path: str) -> Any:
    """The value as text (None stays None, so validation reports it missing)."""
    value = lookup(record, path)
    return None if value is None else str(value)


def _is_document(record: Json, mapping: RestMapping) -> bool:
    return _text(record, mapping.item.kind) in mapping.item.document_kinds


def _change(event: PlmEvent, change: Json, mapping: RestMapping, plants: Sequence[str]) -> Json:
    released_at = _text(change, mapping.change.released_at) or event.occurred_at.isoformat()
    return {
        "number": _text(change, mapping.change.number) or event.change_number,
        "kind": "release",
        "state": "released",
        "title": _text(change, mapping.change.title) or "",
        "approved_at": released_at,
        "plants": [
            {"plant": plant, "effective_from": event.occurred_at.date().isoformat()}
            for plant in plants
        ],
    }


def _item(record: Json, mapping: RestMapping) -> Json:
    assembly = _text(record, mapping.item.kind) in mapping.item.assembly_kinds
    return {
        "number": _text(record, mapping.item.number),
        "revision": _text(record, mapping.item.revision),
        "name": _text(record, mapping.item.name) or "",
        "description": _text(record, mapping.item.description) or "",
        "uom": _text(record, mapping.item.uom) or mapping.default_uom,
        "item_type": "assembly" if assembly else "part",
        "lifecycle_state": "released",  # the change released it
        "make_buy": "make" if assembly else "buy",
    }


def _rows(bom: Json, columns: BomMapping) -> list[Json]:
    """Each row as {canonical field: value}, by the header names of the columns."""
    names = {
        str(lookup(h, columns.header_id)): str(lookup(h, columns.header_name))
        for h in (_records(bom, columns.headers) if columns.headers else [])
    }
    wanted = {
        "find_number": columns.find_number,
        "component": columns.component,
        "quantity": columns.quantity,
        "revision": columns.revision,
        "name": columns.name,
        "description": columns.description,
        "state": columns.state,
        "manufacturer": columns.manufacturer,
        "mpn": columns.mpn,
        "supplier": columns.supplier,
    }
    rows = []
    for row in _records(bom, columns.rows):
        raw = lookup(row, columns.values) if columns.values else row
        values = raw if isinstance(raw, dict) else {}
        by_name = {names.get(key, key): value for key, value in values.items()}
        rows.append({field: by_name.get(column) for field, column in wanted.items()})
    return rows


def _component(row: Json, mapping: RestMapping) -> Json:
    state = str(row["state"] or "RELEASED").upper().replace(" ", "_")
    return {
        "number": row["component"],
        "revision": str(row["revision"] or "-"),
        "name": str(row["name"] or row["component"]),
        "description": str(row["description"] or ""),
        "uom": mapping.default_uom,
        "item_type": "part",
        "lifecycle_state": mapping.states.get(state, LifecycleState.RELEASED).value,
        "make_buy": "buy",
    }


def _bom(
    items: Mapping[str, Json],
    number: str,
    rows: list[Json],
    canonical: Mapping[str, Json],
    mapping: RestMapping,
) -> Json:
    revision = canonical[number]["revision"] if number in canonical else None
    return {
        "item": number,
        "revision": revision,
        "lines": [
            {
                "find_number": _find_number(row["find_number"]),
                "component": row["component"],
                "quantity": _quantity(row["quantity"]),
                "uom": _uom_of(row["component"], canonical, mapping),
            }
            for row in rows
        ],
    }


def _find_number(value: object) -> object:
    """BOM tables hold the item number as text ("10"); anything else is left to validation."""
    return int(value) if isinstance(value, str) and value.strip().isdigit() else value


def _quantity(value: object) -> object:
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        return Decimal(str(value))
    return value  # a Decimal already, or something validation will name


def _uom_of(component: object, canonical: Mapping[str, Json], mapping: RestMapping) -> object:
    item = canonical.get(str(component))
    return item["uom"] if item else mapping.default_uom


def _document(record: Json, items: Mapping[str, Json], mapping: RestMapping) -> Json:
    references = lookup(record, mapping.item.references)
    shown = references if isinstance(references, list) else []
    return {
        "number": _text(record, mapping.item.number),
        "revision": _text(record, mapping.item.revision),
        "title": _text(record, mapping.item.name) or "",
        "doc_type": "drawing",
        "url": _text(record, mapping.item.url) or "",
        "items": [
            _text(items[str(ref)], mapping.item.number) for ref in shown if str(ref) in items
        ],
    }


def _sources(rows: list[Json]) -> list[Json]:
    """A row naming an MPN is an approved source; the vendor stands in for a missing maker.
    A part used in several BOMs is one source, not one per BOM."""
    found = {
        (row["component"], row["manufacturer"], row["mpn"], row["supplier"]): {
            "item": row["component"],
            "manufacturer": str(row["manufacturer"] or row["supplier"] or ""),
            "mpn": str(row["mpn"]),
            "supplier": str(row["supplier"] or row["manufacturer"] or "UNKNOWN"),
        }
        for row in rows
        if row["mpn"]
    }
    return list(found.values())


def _validated(document: Json, event: PlmEvent) -> ChangePackage:
    try:
        return ChangePackage.model_validate(document)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"
            for error in exc.errors(include_url=False)
        ]
        raise PlmMappingFailed(
            f"the PLM's answer for {event.event_id} does not map to a change package "
            f"({len(problems)} problem(s))",
            problems=problems,
        ) from None
