"""The product-BOM link in use, by item number, as the BOM and routing writers need it."""

from __future__ import annotations

from collections.abc import Sequence

from plmsync.connectors.erp.tryton import errors, reader
from plmsync.connectors.erp.tryton.reader import PRODUCT_BOM, Link
from plmsync.connectors.erp.tryton.writer.context import WriteContext


def require_in_use(
    context: WriteContext, items: Sequence[str], *, code: str, reason: str
) -> dict[str, Link]:
    """The link in use for every item; a refusal naming the items that have none."""
    parents = {context.product(item).id: item for item in items}
    links = reader.links_in_use(context.gateway, list(parents))
    missing = sorted(item for product, item in parents.items() if product not in links)
    if missing:
        raise errors.rejected(f"{reason}: {', '.join(missing)}", code=code, model=PRODUCT_BOM)
    return {parents[product]: link for product, link in links.items()}
