"""Sources → `purchase.product_supplier` (party = supplier, code = MPN, + manufacturer).

Suppliers are matched to parties by name and created when missing. Currency and company are
set explicitly: Tryton's on-change logic could otherwise pick another currency.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from plmsync.connectors.erp.tryton.products import ANY_ACTIVE, search_in
from plmsync.connectors.erp.tryton.reader import PARTY, SUPPLIER
from plmsync.connectors.erp.tryton.writer.context import (
    WriteContext,
    desired,
    existing,
    of_actions,
    posting,
)
from plmsync.domain.plan import Action, Step
from plmsync.domain.state import SourceRecord
from plmsync.ports.erp import Posting

_WANTED = (Action.CREATE, Action.UPDATE, Action.SUPERSEDE)


def write_sources(context: WriteContext, steps: Sequence[Step]) -> list[Posting]:
    postings = _upsert(context, of_actions(steps, *_WANTED))
    postings += _retire(context, of_actions(steps, Action.RETIRE))
    return postings


def _upsert(context: WriteContext, steps: list[Step]) -> list[Posting]:
    sources = [desired(step, SourceRecord) for step in steps]
    parties = _parties(context, sorted({s.supplier for s in sources}))
    found = _existing(context, sources, parties)
    new = [s for s in sources if s.key not in found]
    created = context.gateway.create(SUPPLIER, [_new(context, s, parties) for s in new])
    found.update(zip((s.key for s in new), created, strict=True))
    changed = [
        ([found[s.key]], {**_values(context, s), "active": True})
        for s in (s for s in sources if s not in new)
    ]
    context.gateway.write(SUPPLIER, changed)
    return [posting(step, SUPPLIER, [found[s.key]]) for step, s in zip(steps, sources, strict=True)]


def _retire(context: WriteContext, steps: list[Step]) -> list[Posting]:
    """Deactivate: purchase history keeps pointing at the supplier record."""
    sources = [existing(step, SourceRecord) for step in steps]
    parties = _parties(context, sorted({s.supplier for s in sources}), create=False)
    found = _existing(context, sources, parties)
    ids = [found[s.key] for s in sources if s.key in found]
    context.gateway.write(SUPPLIER, [(ids, {"active": False, **context.stamp})] if ids else [])
    return [
        posting(step, SUPPLIER, [found[s.key]] if s.key in found else [])
        for step, s in zip(steps, sources, strict=True)
    ]


def _parties(context: WriteContext, names: list[str], *, create: bool = True) -> dict[str, int]:
    rows = search_in(context.gateway, PARTY, "name", names, ("id", "name"))
    known: dict[str, int] = {}
    for row in sorted(rows, key=lambda r: r["id"]):  # the oldest party wins a name clash
        known.setdefault(str(row["name"]), int(row["id"]))
    missing = [name for name in names if name not in known] if create else []
    created = context.gateway.create(PARTY, [{"name": name} for name in missing])
    return {**known, **dict(zip(missing, created, strict=True))}


def _existing(
    context: WriteContext, sources: list[SourceRecord], parties: dict[str, int]
) -> dict[str, int]:
    """plmsync supplier records for these sources, by source key; an active record wins over
    retired ones, which a source coming back revives rather than duplicates."""
    product_ids = {context.product(s.item).id: s.item for s in sources}
    managed = ("plm_status", "!=", None)
    fields = ("id", "product", "party", "code", "active")
    rows = search_in(
        context.gateway, SUPPLIER, "product", sorted(product_ids), fields, managed, ANY_ACTIVE
    )
    ranked = sorted(rows, key=lambda r: (bool(r["active"]), r["id"]))
    by_natural = {(product_ids[r["product"]], r["party"], r["code"]): int(r["id"]) for r in ranked}
    return {
        s.key: by_natural[key]
        for s in sources
        if (key := (s.item, parties.get(s.supplier), s.mpn)) in by_natural
    }


def _new(context: WriteContext, source: SourceRecord, parties: dict[str, int]) -> dict[str, Any]:
    product = context.product(source.item)
    return {
        "template": product.template,
        "product": product.id,
        "party": parties[source.supplier],
        "code": source.mpn,
        "company": context.company,
        "currency": context.currency,
        **_values(context, source),
    }


def _values(context: WriteContext, source: SourceRecord) -> dict[str, Any]:
    return {"manufacturer": source.manufacturer, "plm_status": source.status, **context.stamp}
