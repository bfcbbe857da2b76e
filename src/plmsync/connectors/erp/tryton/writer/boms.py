"""BOMs → `production.bom` (one per item revision) linked first on the product.

Tryton produces with the first BOM in `product.boms`. `apply` makes the wanted revision that
first BOM: the revision in use gets its lines rewritten (an update, or a replayed step);
any other revision's record (staged earlier, or an older one coming back) is reused or
created and its link goes first, older links staying after it, so history stays visible and a
cut-back is a reorder. `stage` only prepares the record, unlinked, so production keeps
building the revision in use until the change's effective date.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from plmsync.connectors.erp.tryton import reader
from plmsync.connectors.erp.tryton.products import Product, search_in
from plmsync.connectors.erp.tryton.reader import BOM, PRODUCT_BOM, ROUTING, Link
from plmsync.connectors.erp.tryton.writer import bom_records
from plmsync.connectors.erp.tryton.writer.context import (
    WriteContext,
    desired,
    existing,
    of_actions,
    posting,
)
from plmsync.connectors.erp.tryton.writer.cycles import refuse_cycles
from plmsync.domain.plan import Action, Step
from plmsync.domain.state import BomRecord
from plmsync.ports.erp import Posting

SEQUENCE_STEP = 10
Change = tuple[list[int], dict[str, Any]]
InUse = dict[str, tuple[Link, str]]  # item → (link in use, PLM revision of its BOM)


def write_boms(context: WriteContext, steps: Sequence[Step]) -> list[Posting]:
    wanted = of_actions(steps, Action.CREATE, Action.SUPERSEDE, Action.UPDATE)
    boms = [desired(step, BomRecord) for step in wanted]
    in_use = in_use_revisions(context, [bom.item for bom in boms])
    current = [bom for bom in boms if _revision_in_use(in_use, bom.item) == bom.revision]
    ids = {bom.item: in_use[bom.item][0].bom for bom in current}
    bom_records.rewrite(context, current, ids)
    others = [bom for bom in boms if bom not in current]
    ids |= bom_records.ensure(context, others)
    _put_first(context, others, [ids[bom.item] for bom in others])
    postings = [posting(step, BOM, [ids[bom.item]]) for step, bom in _pairs(wanted, boms)]
    return postings + _retire(context, of_actions(steps, Action.RETIRE))


def stage_boms(context: WriteContext, steps: Sequence[Step]) -> list[Posting]:
    """Prepare new revisions, unlinked; a revision already in use is left untouched."""
    wanted = of_actions(steps, Action.CREATE, Action.SUPERSEDE)
    boms = [desired(step, BomRecord) for step in wanted]
    in_use = in_use_revisions(context, [bom.item for bom in boms])
    ids = {
        b.item: in_use[b.item][0].bom
        for b in boms
        if _revision_in_use(in_use, b.item) == b.revision
    }
    staged = [bom for bom in boms if bom.item not in ids]
    # No link checks an unlinked BOM: refuse a cycle now, not on the cut-over date.
    _refuse_cycles(context, staged, [context.product(bom.item) for bom in staged])
    ids |= bom_records.ensure(context, staged)
    return [posting(step, BOM, [ids[bom.item]]) for step, bom in _pairs(wanted, boms)]


def in_use_revisions(context: WriteContext, items: Sequence[str]) -> InUse:
    """For each item with a BOM in use: its link and the PLM revision of that BOM."""
    parents = {context.product(item).id: item for item in items}
    links = reader.links_in_use(context.gateway, list(parents))
    bom_ids = sorted({link.bom for link in links.values()})
    headers = search_in(context.gateway, BOM, "id", bom_ids, ("id", "plm_revision"))
    revisions = {int(row["id"]): str(row["plm_revision"] or "") for row in headers}
    return {parents[p]: (link, revisions.get(link.bom, "")) for p, link in links.items()}


def _put_first(context: WriteContext, boms: list[BomRecord], bom_ids: list[int]) -> None:
    """Link each BOM first (moving its link if it has one); older links keep their order
    after it, and the routing in use moves along so a new BOM revision does not silently
    drop the item's routing."""
    parents = [context.product(bom.item) for bom in boms]
    _refuse_cycles(context, boms, parents)
    old = reader.all_links(context.gateway, [parent.id for parent in parents])
    new_links: list[dict[str, Any]] = []
    moved: list[Change] = []
    carried: list[Change] = []
    for parent, bom_id in zip(parents, bom_ids, strict=True):
        links = old.get(parent.id, [])
        own = next((link for link in links if link.bom == bom_id), None)
        routing = (own.routing if own else None) or (links[0].routing if links else None)
        first = {"sequence": SEQUENCE_STEP, "routing": routing}
        new_links += [] if own else [{"product": parent.id, "bom": bom_id, **first}]
        moved += ([([own.id], first)] if own else []) + _after(links, own)
        carried += [([routing], {"boms": [("add", [bom_id])]})] if routing else []
    context.gateway.write(ROUTING, carried)
    context.gateway.write(PRODUCT_BOM, moved)
    context.gateway.create(PRODUCT_BOM, new_links)


def _after(links: list[Link], first: Link | None) -> list[Change]:
    others = [link for link in links if link is not first]
    return [
        ([link.id], {"sequence": SEQUENCE_STEP * (position + 2)})
        for position, link in enumerate(others)
    ]


def _refuse_cycles(context: WriteContext, boms: list[BomRecord], parents: list[Product]) -> None:
    """Tryton does not check recursion when a link is created on its own: check it first."""
    new = {
        parent.id: {context.product(component).id for component in bom.components}
        for bom, parent in zip(boms, parents, strict=True)
    }
    refuse_cycles(context.gateway, new, {parent.id: parent.code for parent in parents})


def _retire(context: WriteContext, steps: list[Step]) -> list[Posting]:
    """Unlink the BOM in use and deactivate it (kept for history, never deleted)."""
    boms = [existing(step, BomRecord) for step in steps]
    in_use = in_use_revisions(context, [bom.item for bom in boms])
    links = {
        b.item: in_use[b.item][0] for b in boms if _revision_in_use(in_use, b.item) == b.revision
    }
    context.gateway.delete(PRODUCT_BOM, [link.id for link in links.values()])
    ids = [link.bom for link in links.values()]
    context.gateway.write(BOM, [(ids, {"active": False, **context.stamp})] if ids else [])
    return [
        posting(step, BOM, [links[bom.item].bom] if bom.item in links else [])
        for step, bom in _pairs(steps, boms)
    ]


def _revision_in_use(in_use: InUse, item: str) -> str | None:
    found = in_use.get(item)
    return found[1] if found else None


def _pairs(steps: list[Step], boms: list[BomRecord]) -> list[tuple[Step, BomRecord]]:
    return list(zip(steps, boms, strict=True))
