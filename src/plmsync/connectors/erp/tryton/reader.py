"""Reading the live state of items from Tryton, in a handful of bulk calls per kind.

Only what plmsync manages is read: the BOM and routing *in use* (the first product-BOM link,
the one Tryton's production takes), attachments carrying a PLM document number, and supplier
records carrying a PLM status. Anything else in the ERP is the ERP's own business.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from plmsync.connectors.erp.tryton import mapping, products
from plmsync.connectors.erp.tryton.gateway import Gateway, Row
from plmsync.connectors.erp.tryton.products import ANY_ACTIVE, Product, search_in
from plmsync.connectors.erp.tryton.units import UnitTable
from plmsync.domain.state import (
    BomLineRecord,
    BomRecord,
    DocumentRecord,
    ItemRecord,
    OperationRecord,
    Record,
    RoutingRecord,
    SourceRecord,
    TargetState,
    state_of,
)

PRODUCT_BOM = "product.product-production.bom"
BOM = "production.bom"
BOM_INPUT = "production.bom.input"
ROUTING = "production.routing"
STEP = "production.routing.step"
OPERATION = "production.routing.operation"
ATTACHMENT = "ir.attachment"
SUPPLIER = "purchase.product_supplier"
PARTY = "party.party"

LINK_FIELDS = ("id", "product", "bom", "routing", "sequence")
INPUT_FIELDS = (
    "id",
    "bom",
    "product",
    "quantity",
    "unit",
    "find_number",
    "reference_designators",
    "plm_uom",
)
STEP_FIELDS = (
    "id",
    "routing",
    "sequence",
    "operation",
    "work_center_code",
    "setup_time",
    "run_time",
)
DOCUMENT_FIELDS = (
    "id",
    "resource",
    "plm_document",
    "plm_revision",
    "description",
    "link",
    "plm_doc_type",
)
SOURCE_FIELDS = ("id", "product", "party", "code", "manufacturer", "plm_status")


@dataclass(frozen=True)
class Link:
    """A product-BOM link: which BOM (and routing) a product is made with."""

    id: int
    product: int
    bom: int
    routing: int | None
    sequence: int | None


def read_state(gateway: Gateway, units: UnitTable, item_numbers: Collection[str]) -> TargetState:
    found = products.find(gateway, item_numbers)
    by_id = {product.id: product for product in found.values()}
    links = links_in_use(gateway, list(by_id))
    records: list[Record] = [_item(product, units) for product in found.values()]
    records += _boms(gateway, units, links, by_id)
    records += _routings(gateway, links, by_id)
    records += _documents(gateway, by_id)
    records += _sources(gateway, by_id)
    return state_of(records)


def links_in_use(gateway: Gateway, product_ids: list[int]) -> dict[int, Link]:
    """The first link of each product, in Tryton's own order (sequence, then id)."""
    return {product: found[0] for product, found in all_links(gateway, product_ids).items()}


def all_links(gateway: Gateway, product_ids: list[int]) -> dict[int, list[Link]]:
    rows = search_in(gateway, PRODUCT_BOM, "product", product_ids, LINK_FIELDS)
    links = sorted((_link(row) for row in rows), key=_tryton_order)
    grouped: dict[int, list[Link]] = {}
    for link in links:
        grouped.setdefault(link.product, []).append(link)
    return grouped


def _item(product: Product, units: UnitTable) -> ItemRecord:
    return ItemRecord(
        number=product.code,
        revision=product.revision,
        name=product.name,
        uom=units.canonical(product.uom, product.plm_uom),
        item_type=product.item_type or mapping.default_item_type(product.producible),
        make_buy=mapping.make_buy(product.producible),
        description=product.description,
    )


def _boms(
    gateway: Gateway, units: UnitTable, links: dict[int, Link], by_id: dict[int, Product]
) -> list[BomRecord]:
    item_of_bom = {link.bom: by_id[link.product].code for link in links.values()}
    return list(read_boms(gateway, units, item_of_bom).values())


def read_boms(
    gateway: Gateway, units: UnitTable, item_of_bom: dict[int, str]
) -> dict[int, BomRecord]:
    """These BOMs (id → item number) as records by id, linked or not (a staged BOM is not)."""
    headers = search_in(gateway, BOM, "id", sorted(item_of_bom), ("id", "plm_revision"), ANY_ACTIVE)
    inputs = search_in(gateway, BOM_INPUT, "bom", sorted(item_of_bom), INPUT_FIELDS)
    inputs = [row for row in inputs if row["product"]]  # phantom-BOM inputs are ERP-made
    codes = products.codes_of(gateway, {int(row["product"]) for row in inputs})
    lines = products.group_by(inputs, "bom")
    return {
        int(header["id"]): BomRecord(
            item=item_of_bom[header["id"]],
            revision=str(header["plm_revision"] or ""),
            lines=_lines(lines.get(header["id"], []), codes, units),
        )
        for header in headers
    }


def _lines(
    rows: Iterable[Row], codes: dict[int, str], units: UnitTable
) -> tuple[BomLineRecord, ...]:
    ordered = sorted(rows, key=lambda row: (row["find_number"] or 0, row["id"]))
    return tuple(_line(row, codes, units) for row in ordered)


def _line(row: Row, codes: dict[int, str], units: UnitTable) -> BomLineRecord:
    unit = int(row["unit"])
    return BomLineRecord(
        find_number=int(row["find_number"] or 0),
        component=codes.get(int(row["product"]), ""),
        quantity=mapping.quantity_from_erp(row["quantity"], units.digits(unit)),
        uom=units.canonical(unit, row["plm_uom"]),
        reference_designators=mapping.designators_from_erp(row["reference_designators"]),
    )


def _routings(
    gateway: Gateway, links: dict[int, Link], by_id: dict[int, Product]
) -> list[RoutingRecord]:
    item_of = {link.routing: by_id[link.product].code for link in links.values() if link.routing}
    return list(read_routings(gateway, item_of).values())


def read_routings(gateway: Gateway, item_of: dict[int, str]) -> dict[int, RoutingRecord]:
    """These routings (id → item number) as records by id, on a link or not."""
    ids = sorted(item_of)
    headers = search_in(gateway, ROUTING, "id", ids, ("id", "plm_revision"), ANY_ACTIVE)
    steps = search_in(gateway, STEP, "routing", ids, STEP_FIELDS)
    names = _operation_names(gateway, steps)
    grouped = products.group_by(steps, "routing")
    return {
        int(header["id"]): RoutingRecord(
            item=item_of[header["id"]],
            revision=str(header["plm_revision"] or ""),
            operations=_operations(grouped.get(header["id"], []), names),
        )
        for header in headers
    }


def _operation_names(gateway: Gateway, steps: list[Row]) -> dict[int, str]:
    ids = sorted({int(step["operation"]) for step in steps})
    rows = search_in(gateway, OPERATION, "id", ids, ("id", "name"), ANY_ACTIVE)
    return {int(row["id"]): str(row["name"]) for row in rows}


def _operations(steps: list[Row], names: dict[int, str]) -> tuple[OperationRecord, ...]:
    ordered = sorted(steps, key=lambda step: (step["sequence"] or 0, step["id"]))
    return tuple(
        OperationRecord(
            sequence=int(step["sequence"] or 0),
            operation=names.get(int(step["operation"]), ""),
            work_center=str(step["work_center_code"] or ""),
            setup_time=mapping.time_from_erp(step["setup_time"]),
            run_time=mapping.time_from_erp(step["run_time"]),
        )
        for step in ordered
    )


def _documents(gateway: Gateway, by_id: dict[int, Product]) -> list[DocumentRecord]:
    resources = [mapping.product_resource(product_id) for product_id in sorted(by_id)]
    managed = ("plm_document", "!=", None)
    rows = search_in(gateway, ATTACHMENT, "resource", resources, DOCUMENT_FIELDS, managed)
    return [
        DocumentRecord(
            item=by_id[mapping.resource_product(row["resource"])].code,
            number=str(row["plm_document"]),
            revision=str(row["plm_revision"] or ""),
            title=str(row["description"] or ""),
            doc_type=str(row["plm_doc_type"] or ""),
            url=str(row["link"] or ""),
        )
        for row in rows
    ]


def _sources(gateway: Gateway, by_id: dict[int, Product]) -> list[SourceRecord]:
    managed = ("plm_status", "!=", None)
    rows = search_in(gateway, SUPPLIER, "product", sorted(by_id), SOURCE_FIELDS, managed)
    party_ids = sorted({int(row["party"]) for row in rows})
    parties = search_in(gateway, PARTY, "id", party_ids, ("id", "name"), ANY_ACTIVE)
    names = {int(row["id"]): str(row["name"]) for row in parties}
    return [
        SourceRecord(
            item=by_id[int(row["product"])].code,
            supplier=names.get(int(row["party"]), ""),
            manufacturer=str(row["manufacturer"] or ""),
            mpn=str(row["code"] or ""),
            status=str(row["plm_status"]),
        )
        for row in rows
    ]


def _link(row: Row) -> Link:
    routing = row.get("routing")
    return Link(
        id=int(row["id"]),
        product=int(row["product"]),
        bom=int(row["bom"]),
        routing=int(routing) if routing else None,
        sequence=row["sequence"],
    )


def _tryton_order(link: Link) -> tuple[int, float, int]:
    """`sequence ASC NULLS FIRST, id ASC`, as Tryton orders `product.boms`."""
    missing = link.sequence is None
    return (link.product, float("-inf") if missing else float(link.sequence or 0), link.id)
