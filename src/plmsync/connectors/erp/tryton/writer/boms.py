"""BOMs → `production.bom` (one per item revision) linked first on the product.

Tryton produces with the first BOM in `product.boms`. A revision not in use yet becomes a new
BOM named `<item> rev <revision>` whose link goes first; older links stay after it, so history
stays visible and a cut-back is a reorder. When the wanted revision is already the one in use
(an update, or a replayed step), its lines are rewritten in place instead: one revision, one
BOM id, however often a step is delivered.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from plmsync.connectors.erp.tryton import mapping, reader
from plmsync.connectors.erp.tryton.products import (
    PRODUCT,
    Product,
    batches,
    search_in,
    write_products,
)
from plmsync.connectors.erp.tryton.reader import BOM, BOM_INPUT, PRODUCT_BOM, ROUTING, Link
from plmsync.connectors.erp.tryton.writer.context import (
    WriteContext,
    desired,
    existing,
    of_actions,
    posting,
)
from plmsync.domain.plan import Action, Step
from plmsync.domain.state import BomLineRecord, BomRecord
from plmsync.ports.erp import Posting

LINES_PER_CREATE = 300
SEQUENCE_STEP = 10
Change = tuple[list[int], dict[str, Any]]


def write_boms(context: WriteContext, steps: Sequence[Step]) -> list[Posting]:
    wanted = of_actions(steps, Action.CREATE, Action.SUPERSEDE, Action.UPDATE)
    boms = [desired(step, BomRecord) for step in wanted]
    in_use = in_use_revisions(context, [bom.item for bom in boms])
    current = [bom for bom in boms if _revision_in_use(in_use, bom.item) == bom.revision]
    ids = _rewrite(context, current, {item: link for item, (link, _) in in_use.items()})
    ids |= _create(context, [bom for bom in boms if bom not in current])
    postings = [posting(step, BOM, [ids[bom.item]]) for step, bom in _pairs(wanted, boms)]
    return postings + _retire(context, of_actions(steps, Action.RETIRE))


def in_use_revisions(context: WriteContext, items: Sequence[str]) -> dict[str, tuple[Link, str]]:
    """For each item with a BOM in use: its link and the PLM revision of that BOM."""
    parents = {context.product(item).id: item for item in items}
    links = reader.links_in_use(context.gateway, list(parents))
    bom_ids = sorted({link.bom for link in links.values()})
    headers = search_in(context.gateway, BOM, "id", bom_ids, ("id", "plm_revision"))
    revisions = {int(row["id"]): str(row["plm_revision"] or "") for row in headers}
    return {parents[p]: (link, revisions.get(link.bom, "")) for p, link in links.items()}


def _create(context: WriteContext, boms: list[BomRecord]) -> dict[str, int]:
    ids: list[int] = []
    for batch in batches(boms, lambda bom: len(bom.lines) + 1, LINES_PER_CREATE):
        ids += context.gateway.create(BOM, [_new_bom(context, bom) for bom in batch])
    _put_first(context, [context.product(bom.item) for bom in boms], ids)
    return {bom.item: bom_id for bom, bom_id in zip(boms, ids, strict=True)}


def _new_bom(context: WriteContext, bom: BomRecord) -> dict[str, Any]:
    parent = context.product(bom.item)
    output = {"product": parent.id, "unit": parent.uom, "quantity": 1.0}
    return {
        "name": mapping.bom_name(bom.item, bom.revision),
        "plm_item": bom.item,
        "plm_revision": bom.revision,
        **context.stamp,
        "inputs": [("create", _inputs(context, bom.lines))],
        "outputs": [("create", [output])],
    }


def _inputs(context: WriteContext, lines: Sequence[BomLineRecord]) -> list[dict[str, Any]]:
    return [
        {
            "product": context.product(line.component).id,
            "unit": context.units.erp(line.uom).id,
            "quantity": mapping.quantity_to_erp(line.quantity),
            "find_number": line.find_number,
            "reference_designators": mapping.designators_to_erp(line.reference_designators),
            "plm_uom": line.uom,
        }
        for line in lines
    ]


def _put_first(context: WriteContext, parents: list[Product], bom_ids: list[int]) -> None:
    """Link each new BOM first; older links keep their order after it, and the routing in
    use moves along so a new BOM revision does not silently drop the item's routing.

    The links are written through the product, not created on their own: that is what makes
    Tryton check the product for BOM recursion, with the new link in place."""
    old = reader.all_links(context.gateway, [parent.id for parent in parents])
    relinked: list[Change] = []
    carried: list[Change] = []
    for parent, bom_id in zip(parents, bom_ids, strict=True):
        links = old.get(parent.id, [])
        routing = links[0].routing if links else None
        relinked.append(([parent.id], {"boms": _first(bom_id, routing, links)}))
        carried += [([routing], {"boms": [("add", [bom_id])]})] if routing else []
    context.gateway.write(ROUTING, carried)
    write_products(context.gateway, PRODUCT, relinked)


def _first(bom_id: int, routing: int | None, links: list[Link]) -> list[tuple[Any, ...]]:
    new = {"bom": bom_id, "sequence": SEQUENCE_STEP, "routing": routing}
    after = [
        ("write", [link.id], {"sequence": SEQUENCE_STEP * (position + 2)})
        for position, link in enumerate(links)
    ]
    return [("create", [new]), *after]


def _rewrite(
    context: WriteContext, boms: list[BomRecord], links: dict[str, Link]
) -> dict[str, int]:
    """Replace the lines of BOMs already in use (same revision)."""
    ids = {bom.item: links[bom.item].bom for bom in boms}
    rows = search_in(context.gateway, BOM_INPUT, "bom", sorted(ids.values()), ("id", "bom"))
    old: dict[int, list[int]] = {}
    for row in rows:
        old.setdefault(int(row["bom"]), []).append(int(row["id"]))
    changes: list[Change] = [
        ([ids[bom.item]], {**context.stamp, "inputs": _replace(context, old, ids[bom.item], bom)})
        for bom in boms
    ]
    context.gateway.write(BOM, changes)
    return ids


def _replace(
    context: WriteContext, old: dict[int, list[int]], bom_id: int, bom: BomRecord
) -> list[tuple[str, list[Any]]]:
    return [("delete", old.get(bom_id, [])), ("create", _inputs(context, bom.lines))]


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


def _revision_in_use(in_use: dict[str, tuple[Link, str]], item: str) -> str | None:
    found = in_use.get(item)
    return found[1] if found else None


def _pairs(steps: list[Step], boms: list[BomRecord]) -> list[tuple[Step, BomRecord]]:
    return list(zip(steps, boms, strict=True))
