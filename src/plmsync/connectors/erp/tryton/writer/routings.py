"""Routings → `production.routing` with steps, set on the product-BOM link in use.

Tryton keeps a routing per product-BOM link, so an item needs a BOM in use before it can
have a routing. Operation names become `production.routing.operation` records (shared by
name); work center codes and times stay on the step (bridge fields, see bridge/routing.py).
As for BOMs, a revision already in use gets its steps rewritten, any other becomes a new
routing on the link; the one it replaces stays on older links.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from plmsync.connectors.erp.tryton import errors, mapping, reader
from plmsync.connectors.erp.tryton.products import search_in
from plmsync.connectors.erp.tryton.reader import OPERATION, PRODUCT_BOM, ROUTING, STEP, Link
from plmsync.connectors.erp.tryton.writer.context import (
    WriteContext,
    desired,
    existing,
    of_actions,
    posting,
)
from plmsync.connectors.erp.tryton.writer.links import require_in_use
from plmsync.domain.plan import Action, Step
from plmsync.domain.state import OperationRecord, RoutingRecord
from plmsync.ports.erp import Posting

Change = tuple[list[int], dict[str, Any]]


def write_routings(context: WriteContext, steps: Sequence[Step]) -> list[Posting]:
    wanted = of_actions(steps, Action.CREATE, Action.SUPERSEDE, Action.UPDATE)
    routings = [desired(step, RoutingRecord) for step in wanted]
    links = _links(context, [routing.item for routing in routings])
    revisions = _revisions(context, links)
    operations = _operation_ids(context, routings)
    current = [r for r in routings if revisions.get(r.item) == r.revision]
    ids = _rewrite(context, current, links, operations)
    ids |= _create(context, [r for r in routings if r not in current], links, operations)
    postings = [posting(step, ROUTING, [ids[r.item]]) for step, r in _pairs(wanted, routings)]
    return postings + _retire(context, of_actions(steps, Action.RETIRE))


def _links(context: WriteContext, items: list[str]) -> dict[str, Link]:
    return require_in_use(
        context,
        items,
        code=errors.ROUTING_WITHOUT_BOM,
        reason="Tryton keeps a routing on a product's BOM, and these items have no BOM in use",
    )


def _revisions(context: WriteContext, links: dict[str, Link]) -> dict[str, str]:
    """PLM revision of the routing in use, per item that has one."""
    ids = {item: link.routing for item, link in links.items() if link.routing}
    rows = search_in(context.gateway, ROUTING, "id", sorted(ids.values()), ("id", "plm_revision"))
    by_id = {int(row["id"]): str(row["plm_revision"] or "") for row in rows}
    return {item: by_id.get(routing, "") for item, routing in ids.items()}


def _create(
    context: WriteContext,
    routings: list[RoutingRecord],
    links: dict[str, Link],
    operations: dict[str, int],
) -> dict[str, int]:
    values = [_new_routing(context, r, links[r.item].bom, operations) for r in routings]
    ids = context.gateway.create(ROUTING, values)
    on_links = [([links[r.item].id], {"routing": i}) for r, i in zip(routings, ids, strict=True)]
    context.gateway.write(PRODUCT_BOM, on_links)
    return {routing.item: i for routing, i in zip(routings, ids, strict=True)}


def _new_routing(
    context: WriteContext, routing: RoutingRecord, bom: int, operations: dict[str, int]
) -> dict[str, Any]:
    return {
        "name": mapping.routing_name(routing.item, routing.revision),
        "plm_item": routing.item,
        "plm_revision": routing.revision,
        **context.stamp,
        "boms": [("add", [bom])],
        "steps": [("create", _steps(routing.operations, operations))],
    }


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


def _rewrite(
    context: WriteContext,
    routings: list[RoutingRecord],
    links: dict[str, Link],
    operations: dict[str, int],
) -> dict[str, int]:
    """Replace the steps of routings already in use (same revision)."""
    ids = {r.item: int(links[r.item].routing or 0) for r in routings}
    rows = search_in(context.gateway, STEP, "routing", sorted(ids.values()), ("id", "routing"))
    old: dict[int, list[int]] = {}
    for row in rows:
        old.setdefault(int(row["routing"]), []).append(int(row["id"]))
    changes: list[Change] = [
        ([ids[r.item]], {**context.stamp, "steps": _replace(old, ids[r.item], r, operations)})
        for r in routings
    ]
    context.gateway.write(ROUTING, changes)
    return ids


def _replace(
    old: dict[int, list[int]], routing_id: int, routing: RoutingRecord, operations: dict[str, int]
) -> list[tuple[str, list[Any]]]:
    return [("delete", old.get(routing_id, [])), ("create", _steps(routing.operations, operations))]


def _retire(context: WriteContext, steps: list[Step]) -> list[Posting]:
    """Take the routing off the link in use; the routing itself stays for older links."""
    routings = [existing(step, RoutingRecord) for step in steps]
    parents = {context.product(r.item).id: r.item for r in routings}
    in_use = reader.links_in_use(context.gateway, list(parents))
    links = {parents[p]: link for p, link in in_use.items() if link.routing}
    unlinked = [link.id for link in links.values()]
    context.gateway.write(PRODUCT_BOM, [(unlinked, {"routing": None})] if unlinked else [])
    return [
        posting(step, ROUTING, [int(links[r.item].routing or 0)] if r.item in links else [])
        for step, r in _pairs(steps, routings)
    ]


def _pairs(steps: list[Step], routings: list[RoutingRecord]) -> list[tuple[Step, RoutingRecord]]:
    return list(zip(steps, routings, strict=True))
