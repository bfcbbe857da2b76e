"""Pure canonical ↔ Tryton value mapping: names, quantities, flags. No trytond, no I/O."""

from __future__ import annotations

from decimal import Decimal

MAKE, BUY = "make", "buy"
_DESIGNATOR_SEPARATOR = ","


def bom_name(item: str, revision: str) -> str:
    return f"{item} rev {revision}"


def routing_name(item: str, revision: str) -> str:
    return f"{item} rev {revision}"


def document_name(number: str, revision: str) -> str:
    return f"{number} rev {revision}"


def product_resource(product_id: int) -> str:
    """An `ir.attachment.resource` reference to a product variant."""
    return f"product.product,{product_id}"


def resource_product(resource: str) -> int:
    return int(resource.split(",", 1)[1])


def plain(value: Decimal) -> Decimal:
    """`value` without trailing zeros and never in exponent form (6.00 → 6, 10 → 10)."""
    normalized = value.normalize()
    exponent = normalized.as_tuple().exponent
    if isinstance(exponent, int) and exponent > 0:
        return normalized.quantize(Decimal(1))
    return normalized


def quantity_from_erp(value: float | Decimal, digits: int) -> Decimal:
    """A Tryton float quantity back as the exact decimal that was written.

    Tryton stores BOM quantities as floats validated against the unit's digits, so rounding
    to those digits recovers the decimal exactly (0.05 is stored as 0.05000000000000000277).
    """
    return plain(round(Decimal(repr(value)), digits))


def quantity_to_erp(value: Decimal) -> float:
    """Tryton wants a float; a value finer than the unit's digits is left for Tryton to refuse
    (DigitsValidationError → PLMSYNC-ERP-UNIT-PRECISION) rather than rounded here."""
    return float(value)


def time_from_erp(value: Decimal | None) -> Decimal | None:
    return None if value is None else plain(value)


def designators_to_erp(designators: tuple[str, ...]) -> str | None:
    return _DESIGNATOR_SEPARATOR.join(designators) or None


def designators_from_erp(text: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    return tuple(part.strip() for part in text.split(_DESIGNATOR_SEPARATOR) if part.strip())


def make_buy(producible: bool) -> str:
    """Tryton knows producible and purchasable; a producible item is a make item."""
    return MAKE if producible else BUY


def default_item_type(producible: bool) -> str:
    """For products plmsync did not create (no `plm_item_type`)."""
    return "assembly" if producible else "part"


def template_flags(make_buy: str) -> dict[str, bool]:
    is_make = make_buy == MAKE
    return {"producible": is_make, "purchasable": not is_make}
