"""Items → `product.template` + `product.product` (code = item number).

Only PLM-owned attributes are ever written: name, description, unit, make/buy flags and the
PLM identity fields. Prices, costs and everything else stay as the ERP has them. Writing is
idempotent: an item that already exists (a replayed or resumed step) is updated in place, and
a retired one is revived, so one item number keeps one product id.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from plmsync.connectors.erp.tryton import mapping
from plmsync.connectors.erp.tryton.products import (
    PRODUCT,
    PRODUCTS_PER_CALL,
    TEMPLATE,
    Product,
    chunks,
    write_products,
)
from plmsync.connectors.erp.tryton.writer.context import (
    WriteContext,
    desired,
    existing,
    of_actions,
    posting,
)
from plmsync.domain.plan import Action, Step
from plmsync.domain.state import ItemRecord
from plmsync.ports.erp import Posting

TEMPLATES_PER_CREATE = PRODUCTS_PER_CALL


def write_items(context: WriteContext, steps: Sequence[Step]) -> list[Posting]:
    wanted = of_actions(steps, Action.CREATE, Action.UPDATE, Action.SUPERSEDE)
    items = [desired(step, ItemRecord) for step in wanted]
    known = [item for item in items if item.number in context.products]
    _create(context, [item for item in items if item.number not in context.products])
    _update(context, known)
    postings = [_posting(context, step, item.number) for step, item in _pairs(wanted, items)]
    return postings + _retire(context, of_actions(steps, Action.RETIRE))


def stage_items(context: WriteContext, steps: Sequence[Step]) -> list[Posting]:
    """Create new items only. An item that is already active stays as production knows it,
    even when a plan made before it existed calls it new: revising it must wait for `apply`."""
    active = [s for s in steps if _active(context, desired(s, ItemRecord).number)]
    postings = write_items(context, [s for s in steps if s not in active])
    return postings + [_posting(context, s, desired(s, ItemRecord).number) for s in active]


def _active(context: WriteContext, number: str) -> bool:
    product = context.products.get(number)
    return product is not None and product.active


def _create(context: WriteContext, items: list[ItemRecord]) -> None:
    for batch in chunks(items, TEMPLATES_PER_CREATE):
        context.gateway.create(TEMPLATE, [_new_template(context, item) for item in batch])
    context.refresh([item.number for item in items])


def _new_template(context: WriteContext, item: ItemRecord) -> dict[str, Any]:
    return {
        "code": item.number,
        "type": "goods",
        **_template_values(context, item),
        "products": [("create", [_product_values(context, item)])],
    }


def _template_values(context: WriteContext, item: ItemRecord) -> dict[str, Any]:
    unit = context.units.erp(item.uom).id
    flags = mapping.template_flags(item.make_buy)
    purchase_uom = {"purchase_uom": unit} if flags["purchasable"] else {}
    return {"name": item.name, "default_uom": unit, **flags, **purchase_uom}


def _product_values(context: WriteContext, item: ItemRecord) -> dict[str, Any]:
    return {
        "description": item.description or None,
        "plm_revision": item.revision,
        "plm_item_type": item.item_type,
        "plm_uom": item.uom,
        **context.stamp,
    }


def _update(context: WriteContext, items: list[ItemRecord]) -> None:
    found = [context.product(item.number) for item in items]
    pairs = list(zip(items, found, strict=True))
    changed = [([p.template], _changed_template_values(context, i, p)) for i, p in pairs]
    write_products(context.gateway, TEMPLATE, [(ids, values) for ids, values in changed if values])
    values = [([p.id], {**_product_values(context, i), "active": True}) for i, p in pairs]
    write_products(context.gateway, PRODUCT, values)


def _changed_template_values(
    context: WriteContext, item: ItemRecord, product: Product
) -> dict[str, Any]:
    """The template values that differ from the product as read; none when only product-level
    fields (revision, description) changed, as in most ECOs, and then the template is not
    written at all (it was a third of an ECO's ERP time). Sending only what changed also
    keeps Tryton from refusing a unit change once stock moved when the unit did not change."""
    wanted = {**_template_values(context, item), "active": True}
    current: dict[str, Any] = {
        "name": product.name,
        "default_uom": product.uom,
        **mapping.template_flags(mapping.make_buy(product.producible)),
        "active": product.active,
    }
    if product.uom == wanted["default_uom"] and product.producible == wanted["producible"]:
        current["purchase_uom"] = wanted.get("purchase_uom")
    return {key: value for key, value in wanted.items() if current.get(key, _UNKNOWN) != value}


_UNKNOWN = object()


def _retire(context: WriteContext, steps: list[Step]) -> list[Posting]:
    """Deactivate, never delete: a deleted product breaks BOMs and history that use it."""
    numbers = [existing(step, ItemRecord).number for step in steps]
    found = [context.products[n] for n in numbers if n in context.products]
    active = [product for product in found if product.active]
    if active:
        retired = {"active": False, **context.stamp}
        write_products(context.gateway, PRODUCT, [([p.id for p in active], retired)])
        templates = [p.template for p in active]
        write_products(context.gateway, TEMPLATE, [(templates, {"active": False})])
    return [_posting(context, step, number) for step, number in _pairs(steps, numbers)]


def _posting(context: WriteContext, step: Step, number: str) -> Posting:
    product = context.products.get(number)
    return posting(step, PRODUCT, [product.id] if product else [])


def _pairs(steps: list[Step], values: list[Any]) -> list[tuple[Step, Any]]:
    return list(zip(steps, values, strict=True))
