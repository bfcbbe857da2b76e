"""Finding Tryton products by item number (their `code`), in bulk."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from plmsync.connectors.erp.tryton.gateway import Gateway, Row, Values

PRODUCT = "product.product"
TEMPLATE = "product.template"
ANY_ACTIVE = ("active", "in", [True, False])  # an explicit clause turns off Tryton's filter
CHUNK = 500  # ids or codes per `in` clause: well under SQLite's limits, few round trips
# On SQLite trytond checks the unique product code with one OR-clause per record created or
# written: past ~50 records per call SQLite fails with "parser stack overflow".
PRODUCTS_PER_CALL = 25
_FIELDS = (
    "id",
    "code",
    "template",
    "name",
    "description",
    "default_uom",
    "producible",
    "active",
    "plm_revision",
    "plm_item_type",
    "plm_uom",
)

T = TypeVar("T")


@dataclass(frozen=True)
class Product:
    id: int
    template: int
    code: str
    name: str
    description: str
    uom: int
    producible: bool
    revision: str
    item_type: str
    plm_uom: str
    active: bool = True


def find(gateway: Gateway, codes: Collection[str], *, retired: bool = False) -> dict[str, Product]:
    """The products with these codes, by code (a code Tryton lacks is absent).

    With `retired`, deactivated products count too (writers revive rather than duplicate
    them); an active product wins over retired ones with the same code."""
    extra = (ANY_ACTIVE,) if retired else ()
    rows = search_in(gateway, PRODUCT, "code", sorted(set(codes)), _FIELDS, *extra)
    ranked = sorted(rows, key=lambda row: (bool(row["active"]), row["id"]))
    return {row["code"]: _product(row) for row in ranked}


def codes_of(gateway: Gateway, ids: Collection[int]) -> dict[int, str]:
    """Item numbers of product ids, retired (inactive) products included."""
    rows = search_in(gateway, PRODUCT, "id", sorted(set(ids)), ("id", "code"), ANY_ACTIVE)
    return {int(row["id"]): str(row["code"] or "") for row in rows}


def search_in(
    gateway: Gateway,
    model: str,
    field: str,
    values: Sequence[Any],
    fields: Sequence[str],
    *extra: Any,
) -> list[Row]:
    """search_read with `field in values`, chunked."""
    rows: list[Row] = []
    for chunk in chunks(values, CHUNK):
        rows += gateway.search_read(model, [(field, "in", list(chunk)), *extra], fields)
    return rows


def chunks(values: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def write_products(
    gateway: Gateway, model: str, changes: Sequence[tuple[Sequence[int], Values]]
) -> None:
    """Write templates or products, at most PRODUCTS_PER_CALL records per call."""
    pairs = [([i], values) for ids, values in changes for i in ids]
    for batch in chunks(pairs, PRODUCTS_PER_CALL):
        gateway.write(model, batch)


def batches(values: Sequence[T], size: Callable[[T], int], limit: int) -> Iterator[list[T]]:
    """Consecutive batches whose total `size` stays within `limit` (a bigger value goes alone).

    trytond validates a call's records against each other in ways that grow faster than the
    call (e.g. BOM inputs), so a few medium calls beat one huge one."""
    batch: list[T] = []
    total = 0
    for value in values:
        if batch and total + size(value) > limit:
            yield batch
            batch, total = [], 0
        batch.append(value)
        total += size(value)
    if batch:
        yield batch


def group_by(rows: Iterable[Row], field: str) -> dict[Any, list[Row]]:
    grouped: dict[Any, list[Row]] = {}
    for row in rows:
        grouped.setdefault(row[field], []).append(row)
    return grouped


def _product(row: Row) -> Product:
    return Product(
        id=int(row["id"]),
        template=int(row["template"]),
        code=str(row["code"]),
        name=str(row["name"] or ""),
        description=str(row["description"] or ""),
        uom=int(row["default_uom"]),
        producible=bool(row["producible"]),
        revision=str(row["plm_revision"] or ""),
        item_type=str(row["plm_item_type"] or ""),
        plm_uom=str(row["plm_uom"] or ""),
        active=bool(row["active"]),
    )
