"""`production.bom` records, one per item revision, found again by (item, revision).

Finding a revision's record before creating one is what makes every BOM write idempotent: a
replayed step, a resumed plan or the activation of a staged revision reuses the record that
is there (its lines rewritten to the wanted ones) instead of creating a second one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from plmsync.connectors.erp.tryton import mapping, reader
from plmsync.connectors.erp.tryton.products import batches, search_in
from plmsync.connectors.erp.tryton.reader import BOM, BOM_INPUT
from plmsync.connectors.erp.tryton.writer.context import WriteContext
from plmsync.domain.state import BomLineRecord, BomRecord

# trytond's per-call record bookkeeping grows faster than the call: ~300 lines per create
# measured fastest (one 5,000-line call is about twice as slow).
LINES_PER_CREATE = 300
Change = tuple[list[int], dict[str, Any]]


def ensure(context: WriteContext, boms: list[BomRecord]) -> dict[str, int]:
    """The record of each BOM revision, with exactly its lines: reused, else created.

    A reused record's lines are rewritten only if they differ: activating a staged revision
    then only moves a link, and its lines keep their ids."""
    found = find(context, boms)
    rewrite(context, _differing(context, [bom for bom in boms if bom.item in found], found), found)
    return found | create(context, [bom for bom in boms if bom.item not in found])


def find(context: WriteContext, boms: list[BomRecord]) -> dict[str, int]:
    """Active BOM records plmsync made for these item revisions (the newest if several)."""
    wanted = {(bom.item, bom.revision) for bom in boms}
    fields = ("id", "plm_item", "plm_revision")
    rows = search_in(context.gateway, BOM, "plm_item", sorted({b.item for b in boms}), fields)
    return {
        str(row["plm_item"]): int(row["id"])
        for row in sorted(rows, key=lambda row: row["id"])
        if (row["plm_item"], row["plm_revision"]) in wanted
    }


def _differing(
    context: WriteContext, boms: list[BomRecord], ids: dict[str, int]
) -> list[BomRecord]:
    """The BOMs whose stored lines are not the wanted ones."""
    stored = reader.read_boms(context.gateway, context.units, {ids[b.item]: b.item for b in boms})
    return [bom for bom in boms if _lines(stored.get(ids[bom.item])) != bom.lines]


def _lines(bom: BomRecord | None) -> tuple[BomLineRecord, ...] | None:
    return None if bom is None else bom.lines


def create(context: WriteContext, boms: list[BomRecord]) -> dict[str, int]:
    ids: list[int] = []
    for batch in batches(boms, lambda bom: len(bom.lines) + 1, LINES_PER_CREATE):
        ids += context.gateway.create(BOM, [_new(context, bom) for bom in batch])
    return {bom.item: bom_id for bom, bom_id in zip(boms, ids, strict=True)}


def rewrite(context: WriteContext, boms: list[BomRecord], ids: dict[str, int]) -> None:
    """Replace the lines of existing BOM records."""
    rows = search_in(context.gateway, BOM_INPUT, "bom", sorted(ids.values()), ("id", "bom"))
    old: dict[int, list[int]] = {}
    for row in rows:
        old.setdefault(int(row["bom"]), []).append(int(row["id"]))
    changes: list[Change] = [
        ([ids[bom.item]], {**context.stamp, "inputs": _replace(context, old, ids[bom.item], bom)})
        for bom in boms
    ]
    context.gateway.write(BOM, changes)


def _replace(
    context: WriteContext, old: dict[int, list[int]], bom_id: int, bom: BomRecord
) -> list[tuple[str, list[Any]]]:
    return [("delete", old.get(bom_id, [])), ("create", _inputs(context, bom.lines))]


def _new(context: WriteContext, bom: BomRecord) -> dict[str, Any]:
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
