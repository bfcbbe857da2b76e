"""Records as JSON and back, exactly: what plmsync wrote is kept in the engine's state so that
reconcile can later compare it with what the ERP holds.

Quantities and times travel as decimal text (JSON numbers would round them); tuples come back
as tuples, so a decoded record equals the one encoded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from plmsync.domain.state import (
    KIND_OF,
    BomLineRecord,
    BomRecord,
    DocumentRecord,
    ItemRecord,
    ObjectKind,
    OperationRecord,
    Record,
    RoutingRecord,
    SourceRecord,
)


def record_json(record: Record) -> dict[str, Any]:
    data: dict[str, Any] = _plain(asdict(record))
    return data


def record_from_json(kind: ObjectKind | str, data: dict[str, Any]) -> Record:
    return _DECODERS[ObjectKind(kind)](data)


def kind_of(record: Record) -> ObjectKind:
    return KIND_OF[type(record)]


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(v) for key, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    return value


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _line(data: dict[str, Any]) -> BomLineRecord:
    return BomLineRecord(
        find_number=int(data["find_number"]),
        component=data["component"],
        quantity=Decimal(str(data["quantity"])),
        uom=data["uom"],
        reference_designators=tuple(data.get("reference_designators", ())),
    )


def _bom(data: dict[str, Any]) -> BomRecord:
    lines = tuple(_line(line) for line in data["lines"])
    return BomRecord(item=data["item"], revision=data["revision"], lines=lines)


def _operation(data: dict[str, Any]) -> OperationRecord:
    return OperationRecord(
        sequence=int(data["sequence"]),
        operation=data["operation"],
        work_center=data["work_center"],
        setup_time=_decimal(data.get("setup_time")),
        run_time=_decimal(data.get("run_time")),
    )


def _routing(data: dict[str, Any]) -> RoutingRecord:
    operations = tuple(_operation(op) for op in data["operations"])
    return RoutingRecord(item=data["item"], revision=data["revision"], operations=operations)


_DECODERS: dict[ObjectKind, Callable[[dict[str, Any]], Record]] = {
    ObjectKind.ITEM: lambda data: ItemRecord(**data),
    ObjectKind.BOM: _bom,
    ObjectKind.ROUTING: _routing,
    ObjectKind.DOCUMENT: lambda data: DocumentRecord(**data),
    ObjectKind.SOURCE: lambda data: SourceRecord(**data),
}
