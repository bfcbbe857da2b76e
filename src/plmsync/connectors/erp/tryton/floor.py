"""The ERP floor for benchmarks: a `TargetState` written with the plainest bulk `create`s.

No read, no diff, no plan, no idempotency: one transaction, each kind created in as few calls
as Tryton handles well (the adapter's batch sizes: 25 templates, ~300 BOM lines per call).
Comparing plmsync's sync of the same records against this isolates what plmsync adds on top of
the raw cost of writing them to Tryton.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from plmsync.config import DEFAULT_UNITS, UnitMapping
from plmsync.connectors.erp.tryton import mapping
from plmsync.connectors.erp.tryton.gateway import Gateway
from plmsync.connectors.erp.tryton.products import PRODUCT, TEMPLATE, batches, chunks, search_in
from plmsync.connectors.erp.tryton.reader import (
    ATTACHMENT,
    BOM,
    OPERATION,
    PARTY,
    PRODUCT_BOM,
    ROUTING,
    SUPPLIER,
)
from plmsync.connectors.erp.tryton.session import TrytonSession
from plmsync.connectors.erp.tryton.units import UOM_FIELDS, UnitTable
from plmsync.connectors.erp.tryton.writer.bom_records import LINES_PER_CREATE
from plmsync.connectors.erp.tryton.writer.items import TEMPLATES_PER_CREATE
from plmsync.domain.state import (
    BomLineRecord,
    BomRecord,
    DocumentRecord,
    ItemRecord,
    RoutingRecord,
    SourceRecord,
    TargetState,
)

FLOOR_CHANGE = "FLOOR"
SEQUENCE = 10  # a BOM link's sequence; lower comes first


def write_direct(
    database: Path, state: TargetState, *, units: Mapping[str, UnitMapping] = DEFAULT_UNITS
) -> None:
    """Create every record of `state` in the (empty) Tryton database at `database`."""
    session = TrytonSession(database)
    company = session.company
    session.run(lambda gateway: _write(gateway, state, units, company))


def _write(
    gateway: Gateway, state: TargetState, units: Mapping[str, UnitMapping], company: int
) -> None:
    table = _unit_table(gateway, units)
    products = _items(gateway, table, list(state.items.values()))
    links = _boms(gateway, table, state, products)
    _routings(gateway, state, links)
    _documents(gateway, state, products)
    _sources(gateway, state, products, company)


def write_revision_direct(
    database: Path, state: TargetState, *, units: Mapping[str, UnitMapping] = DEFAULT_UNITS
) -> None:
    """The floor of a revision (an ECO) into a database that holds the release already: mark
    the revised items' products with their new revision, create their new BOMs, routings
    and documents. Component products are looked up, as any writer has to."""
    session = TrytonSession(database)
    session.run(lambda gateway: _revise(gateway, state, units))


def _revise(gateway: Gateway, state: TargetState, units: Mapping[str, UnitMapping]) -> None:
    table = _unit_table(gateway, units)
    named = set(state.items) | {line.component for b in state.boms.values() for line in b.lines}
    products = _products(gateway, sorted(named))
    revised = [
        (
            [products[item.number]["id"]],
            {"plm_revision": item.revision, "plm_change": FLOOR_CHANGE},
        )
        for item in state.items.values()
    ]
    gateway.write(PRODUCT, revised)
    # Production uses a product's first BOM link: the new revision's goes first, as plmsync's.
    parents = sorted(products[bom.item]["id"] for bom in state.boms.values())
    older = search_in(gateway, PRODUCT_BOM, "product", parents, ("id",))
    gateway.write(PRODUCT_BOM, [([row["id"] for row in older], {"sequence": 2 * SEQUENCE})])
    links = _boms(gateway, table, state, products, sequence=SEQUENCE)
    _routings(gateway, state, links)
    _documents(gateway, state, products)


def _items(gateway: Gateway, units: UnitTable, items: list[ItemRecord]) -> dict[str, Any]:
    for batch in chunks(items, TEMPLATES_PER_CREATE):
        gateway.create(TEMPLATE, [_template(units, item) for item in batch])
    return _products(gateway, [item.number for item in items])


def _products(gateway: Gateway, codes: list[str]) -> dict[str, Any]:
    """The products with these codes, by code: ids, templates and units the writes need."""
    rows = search_in(gateway, PRODUCT, "code", codes, ("id", "code", "template", "default_uom"))
    return {row["code"]: row for row in rows}


def _unit_table(gateway: Gateway, units: Mapping[str, UnitMapping]) -> UnitTable:
    return UnitTable(units, gateway.search_read("product.uom", [], UOM_FIELDS))


def _template(units: UnitTable, item: ItemRecord) -> dict[str, Any]:
    unit = units.erp(item.uom).id
    product = {
        "description": item.description or None,
        "plm_revision": item.revision,
        "plm_item_type": item.item_type,
        "plm_uom": item.uom,
        "plm_change": FLOOR_CHANGE,
    }
    return {
        "code": item.number,
        "name": item.name,
        "type": "goods",
        "default_uom": unit,
        "purchase_uom": unit,
        **mapping.template_flags(item.make_buy),
        "products": [("create", [product])],
    }


def _boms(
    gateway: Gateway,
    units: UnitTable,
    state: TargetState,
    products: dict[str, Any],
    *,
    sequence: int | None = None,
) -> dict[str, int]:
    boms = list(state.boms.values())
    ids: list[int] = []
    for batch in batches(boms, lambda bom: len(bom.lines) + 1, LINES_PER_CREATE):
        ids += gateway.create(BOM, [_bom(units, bom, products) for bom in batch])
    links = [
        {"product": products[b.item]["id"], "bom": i, "sequence": sequence}
        for b, i in zip(boms, ids, strict=True)
    ]
    link_ids = gateway.create(PRODUCT_BOM, links)
    return {bom.item: link for bom, link in zip(boms, link_ids, strict=True)}


def _bom(units: UnitTable, bom: BomRecord, products: dict[str, Any]) -> dict[str, Any]:
    parent = products[bom.item]
    output = {"product": parent["id"], "quantity": 1.0, "unit": parent["default_uom"]}
    inputs = [_input(units, line, products) for line in bom.lines]
    return {
        "name": mapping.bom_name(bom.item, bom.revision),
        "plm_item": bom.item,
        "plm_revision": bom.revision,
        "inputs": [("create", inputs)],
        "outputs": [("create", [output])],
    }


def _input(units: UnitTable, line: BomLineRecord, products: dict[str, Any]) -> dict[str, Any]:
    return {
        "product": products[line.component]["id"],
        "unit": units.erp(line.uom).id,
        "quantity": float(line.quantity),
        "find_number": line.find_number,
        "reference_designators": mapping.designators_to_erp(line.reference_designators),
        "plm_uom": line.uom,
    }


def _routings(gateway: Gateway, state: TargetState, links: dict[str, int]) -> None:
    routings = list(state.routings.values())
    operations = _operations(
        gateway, sorted({op.operation for r in routings for op in r.operations})
    )
    bom_of = _bom_of_links(gateway, links)
    ids = gateway.create(ROUTING, [_routing(r, bom_of[r.item], operations) for r in routings])
    on_links = [([links[r.item]], {"routing": i}) for r, i in zip(routings, ids, strict=True)]
    gateway.write(PRODUCT_BOM, on_links)


def _operations(gateway: Gateway, names: list[str]) -> dict[str, int]:
    """Operation ids by name: those a release created already, and the missing ones."""
    found = {
        row["name"]: int(row["id"])
        for row in search_in(gateway, OPERATION, "name", names, ("id", "name"))
    }
    missing = [name for name in names if name not in found]
    created = gateway.create(OPERATION, [{"name": name} for name in missing]) if missing else []
    return {**found, **dict(zip(missing, created, strict=True))}


def _routing(routing: RoutingRecord, bom: int, operations: dict[str, int]) -> dict[str, Any]:
    steps = [
        {
            "sequence": op.sequence,
            "operation": operations[op.operation],
            "work_center_code": op.work_center,
            "setup_time": op.setup_time,
            "run_time": op.run_time,
        }
        for op in routing.operations
    ]
    return {
        "name": mapping.routing_name(routing.item, routing.revision),
        "plm_item": routing.item,
        "plm_revision": routing.revision,
        "boms": [("add", [bom])],
        "steps": [("create", steps)],
    }


def _bom_of_links(gateway: Gateway, links: dict[str, int]) -> dict[str, int]:
    rows = search_in(gateway, PRODUCT_BOM, "id", sorted(links.values()), ("id", "bom"))
    bom_by_link = {int(row["id"]): int(row["bom"]) for row in rows}
    return {item: bom_by_link[link] for item, link in links.items()}


def _documents(gateway: Gateway, state: TargetState, products: dict[str, Any]) -> None:
    gateway.create(ATTACHMENT, [_document(d, products) for d in state.documents.values()])


def _document(document: DocumentRecord, products: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": mapping.document_name(document.number, document.revision),
        "type": "link",
        "link": document.url,
        "resource": mapping.product_resource(products[document.item]["id"]),
        "description": document.title,
        "plm_document": document.number,
        "plm_revision": document.revision,
        "plm_doc_type": document.doc_type,
    }


def _sources(gateway: Gateway, state: TargetState, products: dict[str, Any], company: int) -> None:
    sources = list(state.sources.values())
    names = sorted({s.supplier for s in sources})
    parties = dict(zip(names, gateway.create(PARTY, [{"name": n} for n in names]), strict=True))
    (row,) = gateway.search_read("company.company", [("id", "=", company)], ["currency"])
    owner = {"company": company, "currency": row["currency"]}
    gateway.create(SUPPLIER, [_source(s, products, parties, owner) for s in sources])


def _source(
    source: SourceRecord, products: dict[str, Any], parties: dict[str, int], owner: dict[str, Any]
) -> dict[str, Any]:
    product = products[source.item]
    return {
        "template": product["template"],
        "product": product["id"],
        "party": parties[source.supplier],
        "code": source.mpn,
        "manufacturer": source.manufacturer,
        "plm_status": source.status,
        **owner,
    }
