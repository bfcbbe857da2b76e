"""`production.routing` records, one per item revision, found again by (item, revision).

As for BOMs, reusing the record of a revision keeps routings idempotent and lets `apply` put
a staged routing in use instead of creating a second one. Operation names become
`production.routing.operation` records, shared by name; work center codes and times stay on
the step (bridge fields, see bridge/routing.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from plmsync.connectors.erp.tryton import mapping, reader
from plmsync.connectors.erp.tryton.products import search_in
from plmsync.connectors.erp.tryton.reader import OPERATION, ROUTING, STEP
from plmsync.connectors.erp.tryton.writer.context import WriteContext
from plmsync.domain.state import OperationRecord, RoutingRecord

Change = tuple[list[int], dict[str, Any]]


def ensure(
    context: WriteContext, routings: list[RoutingRecord], boms: dict[str, int] | None = None
) -> dict[str, int]:
    """The record of each routing revision, with exactly its steps: reused (its steps
    rewritten only if they differ, as for BOMs), else created; allowed on `boms[item]` when
    given."""
    found = find(context, routings)
    reused = [r for r in routings if r.item in found]
    rewrite(context, _differing(context, reused, found), found)
    _allow(context, reused, found, boms or {})
    return found | create(context, [r for r in routings if r.item not in found], boms or {})


def _differing(
    context: WriteContext, routings: list[RoutingRecord], ids: dict[str, int]
) -> list[RoutingRecord]:
    """The routings whose stored steps are not the wanted ones."""
    stored = reader.read_routings(context.gateway, {ids[r.item]: r.item for r in routings})
    return [r for r in routings if _operations(stored.get(ids[r.item])) != r.operations]


def _operations(routing: RoutingRecord | None) -> tuple[OperationRecord, ...] | None:
    return None if routing is None else routing.operations


def find(context: WriteContext, routings: list[RoutingRecord]) -> dict[str, int]:
    """Active routing records plmsync made for these item revisions (the newest if several)."""
    wanted = {(routing.item, routing.revision) for routing in routings}
    items = sorted({routing.item for routing in routings})
    rows = search_in(
        context.gateway, ROUTING, "plm_item", items, ("id", "plm_item", "plm_revision")
    )
    return {
        str(row["plm_item"]): int(row["id"])
        for row in sorted(rows, key=lambda row: row["id"])
        if (row["plm_item"], row["plm_revision"]) in wanted
    }


def create(
    context: WriteContext, routings: list[RoutingRecord], boms: dict[str, int]
) -> dict[str, int]:
    """New routings, allowed on `boms[item]` if given (setting them on a link is the
    caller's business)."""
    operations = _operation_ids(context, routings)
    values = [_new(context, r, operations, boms.get(r.item)) for r in routings]
    ids = context.gateway.create(ROUTING, values)
    return {routing.item: i for routing, i in zip(routings, ids, strict=True)}


def _allow(
    context: WriteContext, routings: list[RoutingRecord], ids: dict[str, int], boms: dict[str, int]
) -> None:
    """Tryton sets a routing on a product-BOM link only if the routing lists that BOM."""
    added = [
        ([ids[r.item]], {"boms": [("add", [boms[r.item]])]}) for r in routings if r.item in boms
    ]
    context.gateway.write(ROUTING, added)


def rewrite(context: WriteContext, routings: list[RoutingRecord], ids: dict[str, int]) -> None:
    """Replace the steps of existing routing records."""
    operations = _operation_ids(context, routings)
    rows = search_in(context.gateway, STEP, "routing", sorted(ids.values()), ("id", "routing"))
    old: dict[int, list[int]] = {}
    for row in rows:
        old.setdefault(int(row["routing"]), []).append(int(row["id"]))
    changes: list[Change] = [
        ([ids[r.item]], {**context.stamp, "steps": _replace(old, ids[r.item], r, operations)})
        for r in routings
    ]
    context.gateway.write(ROUTING, changes)


def _new(
    context: WriteContext, routing: RoutingRecord, operations: dict[str, int], bom: int | None
) -> dict[str, Any]:
    return {
        "name": mapping.routing_name(routing.item, routing.revision),
        "plm_item": routing.item,
        "plm_revision": routing.revision,
        **context.stamp,
        "boms": [("add", [bom])] if bom else [],
        "steps": [("create", _steps(routing.operations, operations))],
    }


def _replace(
    old: dict[int, list[int]], routing_id: int, routing: RoutingRecord, operations: dict[str, int]
) -> list[tuple[str, list[Any]]]:
    return [("delete", old.get(routing_id, [])), ("create", _steps(routing.operations, operations))]


def _steps(operations: Sequence[OperationRecord], ids: dict[str, int]) -> list[dict[str, Any]]:
    return [
        {
            "sequence": operation.sequence,
            "operation": ids[operation.operation],
            "work_center_code": operation.work_center,
            "setup_time": operation.setup_time,
            "run_time": operation.run_time,
        }
        for operation in operations
    ]


def _operation_ids(context: WriteContext, routings: list[RoutingRecord]) -> dict[str, int]:
    """Operation records by name, creating the names Tryton does not have yet."""
    names = sorted({op.operation for routing in routings for op in routing.operations})
    rows = search_in(context.gateway, OPERATION, "name", names, ("id", "name"))
    known: dict[str, int] = {}
    for row in sorted(rows, key=lambda r: r["id"]):  # the oldest record wins a name clash
        known.setdefault(str(row["name"]), int(row["id"]))
    missing = [name for name in names if name not in known]
    created = context.gateway.create(OPERATION, [{"name": name} for name in missing])
    return {**known, **dict(zip(missing, created, strict=True))}
