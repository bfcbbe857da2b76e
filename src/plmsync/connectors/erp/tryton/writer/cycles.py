"""Refusing BOM cycles before new product-BOM links exist.

Tryton checks recursion when a product is written (walking every BOM of every component, for
each product: ~2.5 s per 500 new BOMs) but not when a product-BOM link is created on its own.
Linking new BOMs directly and checking here instead reads the BOM graph below the new
components in a few bulk queries per level and sorts it once, applying Tryton's rule: no
product may reach itself through the inputs of any of its BOMs (in use or not).
"""

from __future__ import annotations

from collections.abc import Iterable

from plmsync.connectors.erp.tryton import errors
from plmsync.connectors.erp.tryton.gateway import Gateway
from plmsync.connectors.erp.tryton.products import search_in
from plmsync.connectors.erp.tryton.reader import BOM_INPUT, PRODUCT_BOM

Graph = dict[int, set[int]]  # product id → product ids its BOMs consume


def refuse_cycles(gateway: Gateway, new: Graph, codes: dict[int, str]) -> None:
    """Raise PLMSYNC-ERP-BOM-RECURSION if linking `new` (parent → components) closes a cycle."""
    graph = _merged(new, _below(gateway, {c for parts in new.values() for c in parts}))
    looping = sorted(codes.get(p, str(p)) for p in _on_or_after_cycles(graph) if p in new)
    if looping:
        raise errors.rejected(
            f"BOM recursion: with the BOMs Tryton has, {', '.join(looping)} would contain "
            "itself (or a component that contains itself)",
            code=errors.BOM_RECURSION,
            model=PRODUCT_BOM,
        )


def _below(gateway: Gateway, start: set[int]) -> Graph:
    """Every product reachable from `start` through the BOMs Tryton already has."""
    graph: Graph = {}
    frontier = start
    while frontier:
        edges = _edges(gateway, sorted(frontier))
        graph.update(edges)
        frontier = {c for parts in edges.values() for c in parts} - graph.keys()
    return graph


def _edges(gateway: Gateway, products: list[int]) -> Graph:
    links = search_in(gateway, PRODUCT_BOM, "product", products, ("product", "bom"))
    boms: dict[int, set[int]] = {}
    for link in links:
        boms.setdefault(int(link["bom"]), set()).add(int(link["product"]))
    inputs = search_in(gateway, BOM_INPUT, "bom", sorted(boms), ("bom", "product"))
    graph: Graph = {product: set() for product in products}
    for row in inputs:
        for parent in boms[int(row["bom"])]:
            graph[parent].update([int(row["product"])] if row["product"] else [])
    return graph


def _merged(new: Graph, existing: Graph) -> Graph:
    graph = {product: set(parts) for product, parts in existing.items()}
    for parent, parts in new.items():
        graph.setdefault(parent, set()).update(parts)
    return graph


def _on_or_after_cycles(graph: Graph) -> Iterable[int]:
    """Products a topological sort cannot place: on a cycle, or above one."""
    waiting = {product: len(parts) for product, parts in graph.items()}
    users: Graph = {}
    for product, parts in graph.items():
        for part in parts:
            users.setdefault(part, set()).add(product)
    ready = [product for product, count in waiting.items() if count == 0]
    while ready:
        for user in users.get(ready.pop(), ()):
            waiting[user] -= 1
            if waiting[user] == 0:
                ready.append(user)
    return [product for product, count in waiting.items() if count > 0]
