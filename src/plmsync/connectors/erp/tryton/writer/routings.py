"""Routings → `production.routing`, set on the product-BOM link in use.

Tryton keeps a routing per product-BOM link, so an item needs a BOM in use before `apply` can
put a routing in use (`PLMSYNC-ERP-ROUTING-WITHOUT-BOM`). The revision in use gets its steps
rewritten; any other revision's record (staged, or created now) is set on the link and the
one it replaces stays on older links. `stage` only prepares the record, on no link.
"""

from __future__ import annotations

from collections.abc import Sequence

from plmsync.connectors.erp.tryton import errors, reader
from plmsync.connectors.erp.tryton.products import search_in
from plmsync.connectors.erp.tryton.reader import PRODUCT_BOM, ROUTING, Link
from plmsync.connectors.erp.tryton.writer import routing_records
from plmsync.connectors.erp.tryton.writer.context import (
    WriteContext,
    desired,
    existing,
    of_actions,
    posting,
)
from plmsync.connectors.erp.tryton.writer.links import require_in_use
from plmsync.domain.plan import Action, Step
from plmsync.domain.state import RoutingRecord
from plmsync.ports.erp import Posting


def write_routings(context: WriteContext, steps: Sequence[Step]) -> list[Posting]:
    wanted = of_actions(steps, Action.CREATE, Action.SUPERSEDE, Action.UPDATE)
    routings = [desired(step, RoutingRecord) for step in wanted]
    links = _links(context, [routing.item for routing in routings])
    revisions = _revisions(context, links)
    current = [r for r in routings if revisions.get(r.item) == r.revision]
    ids = {r.item: int(links[r.item].routing or 0) for r in current}
    routing_records.rewrite(context, current, ids)
    others = [r for r in routings if r not in current]
    ids |= routing_records.ensure(context, others, {r.item: links[r.item].bom for r in others})
    _put_in_use(context, others, ids, links)
    postings = [posting(step, ROUTING, [ids[r.item]]) for step, r in _pairs(wanted, routings)]
    return postings + _retire(context, of_actions(steps, Action.RETIRE))


def stage_routings(context: WriteContext, steps: Sequence[Step]) -> list[Posting]:
    """Prepare new revisions on no link; a revision already in use is left untouched."""
    wanted = of_actions(steps, Action.CREATE, Action.SUPERSEDE)
    routings = [desired(step, RoutingRecord) for step in wanted]
    links = _optional_links(context, [routing.item for routing in routings])
    revisions = _revisions(context, links)
    ids = {
        r.item: int(links[r.item].routing or 0)
        for r in routings
        if revisions.get(r.item) == r.revision
    }
    ids |= routing_records.ensure(context, [r for r in routings if r.item not in ids])
    return [posting(step, ROUTING, [ids[r.item]]) for step, r in _pairs(wanted, routings)]


def _put_in_use(
    context: WriteContext,
    routings: list[RoutingRecord],
    ids: dict[str, int],
    links: dict[str, Link],
) -> None:
    """Set each routing on the link in use (`ensure` allowed the link's BOM on it)."""
    on_links = [([links[r.item].id], {"routing": ids[r.item]}) for r in routings]
    context.gateway.write(PRODUCT_BOM, on_links)


def _links(context: WriteContext, items: list[str]) -> dict[str, Link]:
    return require_in_use(
        context,
        items,
        code=errors.ROUTING_WITHOUT_BOM,
        reason="Tryton keeps a routing on a product's BOM, and these items have no BOM in use",
    )


def _optional_links(context: WriteContext, items: list[str]) -> dict[str, Link]:
    parents = {context.product(item).id: item for item in items}
    links = reader.links_in_use(context.gateway, list(parents))
    return {parents[product]: link for product, link in links.items()}


def _revisions(context: WriteContext, links: dict[str, Link]) -> dict[str, str]:
    """PLM revision of the routing in use, per item that has one."""
    ids = {item: link.routing for item, link in links.items() if link.routing}
    rows = search_in(context.gateway, ROUTING, "id", sorted(ids.values()), ("id", "plm_revision"))
    by_id = {int(row["id"]): str(row["plm_revision"] or "") for row in rows}
    return {item: by_id.get(routing, "") for item, routing in ids.items()}


def _retire(context: WriteContext, steps: list[Step]) -> list[Posting]:
    """Take the routing off the link in use; the routing itself stays for older links."""
    routings = [existing(step, RoutingRecord) for step in steps]
    links = _optional_links(context, [r.item for r in routings])
    links = {item: link for item, link in links.items() if link.routing}
    unlinked = [link.id for link in links.values()]
    context.gateway.write(PRODUCT_BOM, [(unlinked, {"routing": None})] if unlinked else [])
    return [
        posting(step, ROUTING, [int(links[r.item].routing or 0)] if r.item in links else [])
        for step, r in _pairs(steps, routings)
    ]


def _pairs(steps: list[Step], routings: list[RoutingRecord]) -> list[tuple[Step, RoutingRecord]]:
    return list(zip(steps, routings, strict=True))
