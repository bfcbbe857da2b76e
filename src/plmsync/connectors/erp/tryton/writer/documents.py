"""Documents → `ir.attachment` links on the product, named `<document> rev <revision>`.

One attachment per item and document number: a new revision rewrites it in place, so only
the current revision shows on the product and no stale link can be mistaken for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from plmsync.connectors.erp.tryton import mapping
from plmsync.connectors.erp.tryton.products import search_in
from plmsync.connectors.erp.tryton.reader import ATTACHMENT
from plmsync.connectors.erp.tryton.writer.context import (
    WriteContext,
    desired,
    existing,
    of_actions,
    posting,
)
from plmsync.domain.plan import Action, Step
from plmsync.domain.state import DocumentRecord
from plmsync.ports.erp import Posting

_WANTED = (Action.CREATE, Action.UPDATE, Action.SUPERSEDE)


def write_documents(context: WriteContext, steps: Sequence[Step]) -> list[Posting]:
    postings = _upsert(context, of_actions(steps, *_WANTED))
    postings += _retire(context, of_actions(steps, Action.RETIRE))
    return postings


def _upsert(context: WriteContext, steps: list[Step]) -> list[Posting]:
    """Create or rewrite in place (a create after an interrupted run finds its link)."""
    documents = [desired(step, DocumentRecord) for step in steps]
    found = _attachments(context, documents)
    new = [d for d in documents if d.key not in found]
    created = context.gateway.create(ATTACHMENT, [_new(context, d) for d in new])
    found.update(zip((d.key for d in new), created, strict=True))
    rewritten = [([found[d.key]], _values(context, d)) for d in documents if d not in new]
    context.gateway.write(ATTACHMENT, rewritten)
    return [posting(s, ATTACHMENT, [found[d.key]]) for s, d in zip(steps, documents, strict=True)]


def _retire(context: WriteContext, steps: list[Step]) -> list[Posting]:
    """Attachments have no `active` flag: a retired document link is removed."""
    documents = [existing(step, DocumentRecord) for step in steps]
    found = _attachments(context, documents)
    ids = [found[d.key] for d in documents if d.key in found]
    context.gateway.delete(ATTACHMENT, ids)
    return [
        posting(s, ATTACHMENT, [found[d.key]] if d.key in found else [])
        for s, d in zip(steps, documents, strict=True)
    ]


def _attachments(context: WriteContext, documents: list[DocumentRecord]) -> dict[str, int]:
    """Existing plmsync attachments for these documents, by document key."""
    items = {mapping.product_resource(context.product(d.item).id): d.item for d in documents}
    numbers = ("plm_document", "in", sorted({d.number for d in documents}))
    fields = ("id", "resource", "plm_document")
    rows = search_in(context.gateway, ATTACHMENT, "resource", sorted(items), fields, numbers)
    keys = {(items[row["resource"]], row["plm_document"]): int(row["id"]) for row in rows}
    return {d.key: keys[(d.item, d.number)] for d in documents if (d.item, d.number) in keys}


def _new(context: WriteContext, document: DocumentRecord) -> dict[str, Any]:
    resource = mapping.product_resource(context.product(document.item).id)
    return {"resource": resource, "type": "link", **_values(context, document)}


def _values(context: WriteContext, document: DocumentRecord) -> dict[str, Any]:
    return {
        "name": mapping.document_name(document.number, document.revision),
        "link": document.url,
        "description": document.title,
        "plm_document": document.number,
        "plm_revision": document.revision,
        "plm_doc_type": document.doc_type,
        **context.stamp,
    }
