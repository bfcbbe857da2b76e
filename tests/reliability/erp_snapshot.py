"""Read a plant's Tryton database with plain SQL: what production would see, and duplicates.

Independent of plmsync's adapter on purpose, so a reliability check cannot share its bugs.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

_BOMS_IN_USE = """
SELECT p.code, b.name, ip.code, i.quantity, u.symbol, i.find_number
FROM product_product p
JOIN "product_product-production_bom" l ON l.product = p.id
JOIN production_bom b ON b.id = l.bom
JOIN production_bom_input i ON i.bom = b.id
JOIN product_product ip ON ip.id = i.product
JOIN product_uom u ON u.id = i.unit
WHERE l.id = (SELECT l2.id FROM "product_product-production_bom" l2 WHERE l2.product = p.id
              ORDER BY l2.sequence, l2.id LIMIT 1)
"""


@dataclass(frozen=True)
class Snapshot:
    products: frozenset[tuple[str, str, str]]
    boms_in_use: frozenset[tuple[str, str, str, float, str, int]]
    routings: frozenset[tuple[str, int, str]]
    documents: frozenset[tuple[str, str]]
    suppliers: frozenset[tuple[str, str, str]]
    duplicates: dict[str, list[str]]


def snapshot(database: Path) -> Snapshot:
    with sqlite3.connect(database) as db:
        return Snapshot(
            products=frozenset(db.execute(
                "SELECT p.code, t.name, p.plm_revision FROM product_product p"
                " JOIN product_template t ON t.id = p.template WHERE p.active = 1")),
            boms_in_use=frozenset(db.execute(_BOMS_IN_USE)),
            routings=frozenset(db.execute(
                "SELECT r.name, s.sequence, o.name FROM production_routing r"
                " JOIN production_routing_step s ON s.routing = r.id"
                " JOIN production_routing_operation o ON o.id = s.operation")),
            documents=frozenset(db.execute(
                "SELECT name, link FROM ir_attachment WHERE type = 'link'")),
            suppliers=frozenset(db.execute(
                "SELECT t.code, party.name, s.code FROM purchase_product_supplier s"
                " JOIN product_template t ON t.id = s.template"
                " JOIN party_party party ON party.id = s.party WHERE s.active = 1")),
            duplicates=_duplicates(db),
        )


def _duplicates(db: sqlite3.Connection) -> dict[str, list[str]]:
    """Natural keys that occur more than once: a record plmsync created twice."""
    queries = {
        "product": "SELECT code FROM product_product",
        "template": "SELECT code FROM product_template",
        "bom": "SELECT name FROM production_bom",
        "routing": "SELECT name FROM production_routing",
        "attachment": "SELECT resource || '/' || name FROM ir_attachment",
        "party": "SELECT name FROM party_party",
        "supplier": "SELECT template || '/' || party || '/' || code FROM purchase_product_supplier",
        "bom link": 'SELECT product || "/" || bom FROM "product_product-production_bom"',
    }
    found = {}
    for kind, query in queries.items():
        counts = Counter(value for (value,) in db.execute(query))
        repeated = sorted(str(v) for v, n in counts.items() if n > 1)
        if repeated:
            found[kind] = repeated
    return found
