"""Seeded, reproducible release packages and single ECOs (see stream.py for ECO streams).

A release is a product family with a deep multi-level BOM: purchased parts and raw materials
at the bottom, assemblies on `depth` levels above, components shared across assemblies, one
drawing and a routing per plant for every assembly, and a regional supplier per bought item.
`Shape.variety` adds what real products carry besides (variety.py): substitutes, plant
alternates, second suppliers per region, datasheets. It is off by default so the packages
existing tests and benchmarks were tuned on stay byte-identical.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from plmsync.domain.package import Bom, ChangePackage
from plmsync.generator.variety import PLAIN, Variety, add_variety

EPOCH = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)
_REGION_SUPPLIERS = {"NA": "Midwest Components Inc", "EU": "Rhein Teile GmbH", "": "Global Parts"}
_RAW = (("KG", "Steel bar stock"), ("M", "Copper wire"), ("L", "Hydraulic oil"))


@dataclass(frozen=True)
class Shape:
    items: int = 1_000
    lines: int = 5_000
    depth: int = 6
    plants: tuple[tuple[str, str], ...] = (("US01", "NA"), ("DE01", "EU"))
    seed: int = 7
    variety: Variety = PLAIN


def release(shape: Shape, number: str = "REL-GEN") -> ChangePackage:
    """An initial release of `shape.items` items with about `shape.lines` BOM lines."""
    rng = random.Random(shape.seed)
    assemblies = max(shape.depth, min(shape.items // 2, shape.lines // 8))
    levels = _levels(assemblies, shape.depth)
    parts = [f"P-{i:06d}" for i in range(shape.items - assemblies)]
    tiers: list[list[str]] = [parts] + [[] for _ in range(shape.depth)]
    for index, level in enumerate(levels):
        tiers[level].append(f"A{level}-{index:05d}")
    fan_out = max(2, shape.lines // assemblies)
    part_items = [_part(p, rng) for p in parts]
    units = {i["number"]: (i["uom"], i["item_type"]) for i in part_items}
    raw = {
        "schema_version": "1",
        "source": source_envelope(number),
        "change": _change(number, "release", shape),
        "items": part_items + [_assembly(a) for t in tiers[1:] for a in t],
        "boms": [
            _bom(a, lvl, tiers, fan_out, units, rng)
            for lvl in range(1, shape.depth + 1)
            for a in tiers[lvl]
        ],
        "routings": [_routing(a, plant) for t in tiers[1:] for a in t for plant, _ in shape.plants],
        "documents": [drawing(a, "A") for t in tiers[1:] for a in t],
        "sources": [s for p in parts for s in sources_for(p, shape.plants)],
    }
    if shape.variety != PLAIN:
        # Its own random stream: the plain package stays the same whatever the variety.
        add_variety(raw, shape.plants, shape.variety, random.Random(shape.seed * 7_919 + 1))
    return ChangePackage.model_validate(raw)


def eco(
    base: ChangePackage, *, fraction: float = 0.01, seed: int = 11, number: str = "ECO-GEN"
) -> ChangePackage:
    """An ECO touching `fraction` of the assemblies: each gets a new revision with one
    quantity change and one component swap; its drawing and routings follow the revision."""
    rng = random.Random(seed)
    boms = sorted(base.boms, key=lambda b: b.item)
    chosen = rng.sample(boms, max(1, int(len(boms) * fraction)))
    parts = [i.number for i in base.items if i.item_type == "part"]
    items = {i.number: i for i in base.items}
    new_boms = [_revise_bom(b, parts, rng) for b in chosen]
    changed = {b.item for b in new_boms}
    raw = {
        "schema_version": "1",
        "source": source_envelope(number),
        "change": {
            **base.change.model_dump(mode="json"),
            "number": number,
            "kind": "eco",
            "state": "approved",
            "title": f"Generated ECO over {len(changed)} assemblies",
            "affected_items": [
                {"number": n, "from_revision": "A", "to_revision": "B"} for n in sorted(changed)
            ],
        },
        "items": [{**items[n].model_dump(mode="json"), "revision": "B"} for n in sorted(changed)],
        "boms": [b.model_dump(mode="json") for b in new_boms],
        "routings": [
            {**r.model_dump(mode="json"), "revision": "B"}
            for r in base.routings
            if r.item in changed
        ],
        "documents": [drawing(n, "B") for n in sorted(changed)],
    }
    return ChangePackage.model_validate(raw)


def _levels(assemblies: int, depth: int) -> list[int]:
    """Fewer assemblies on higher levels (halving), but at least one on every level."""
    weights = [2 ** (depth - level) for level in range(1, depth + 1)]
    total = sum(weights)
    counts = [max(1, assemblies * w // total) for w in weights]
    counts[0] += assemblies - sum(counts)
    return [level for level, count in enumerate(counts, start=1) for _ in range(count)]


def source_envelope(number: str, at: dt.datetime = EPOCH) -> dict[str, Any]:
    return {
        "system": "plmsync-generator",
        "event_id": f"gen-{number}",
        "emitted_at": at.isoformat(),
    }


def _change(number: str, kind: str, shape: Shape) -> dict[str, Any]:
    return {
        "number": number,
        "kind": kind,
        "state": "released",
        "title": "Generated release",
        "approved_at": EPOCH.isoformat(),
        "approvals": [{"approver": "gen", "role": "engineering_manager", "at": EPOCH.isoformat()}],
        "plants": [{"plant": p, "effective_from": "2026-05-05"} for p, _ in shape.plants],
    }


def _part(number: str, rng: random.Random) -> dict[str, Any]:
    if rng.random() < 0.05:
        uom, name = rng.choice(_RAW)
        return _item(number, name, uom, "raw_material", "buy")
    return _item(number, f"Part {number}", "EA", "part", "buy")


def bought_part(number: str, name: str = "") -> dict[str, Any]:
    return _item(number, name or f"Part {number}", "EA", "part", "buy")


def _assembly(number: str) -> dict[str, Any]:
    return _item(number, f"Assembly {number}", "EA", "assembly", "make")


def _item(number: str, name: str, uom: str, item_type: str, make_buy: str) -> dict[str, Any]:
    return {
        "number": number,
        "revision": "A",
        "name": name,
        "uom": uom,
        "item_type": item_type,
        "lifecycle_state": "released",
        "make_buy": make_buy,
    }


Units = dict[str, tuple[str, str]]  # item number → (unit, item type); assemblies are absent


def _bom(
    item: str, level: int, tiers: list[list[str]], fan_out: int, units: Units, rng: random.Random
) -> dict[str, Any]:
    below = [c for t in tiers[:level] for c in t]
    picks = {rng.choice(tiers[level - 1])}
    while len(picks) < min(fan_out, len(below)):
        picks.add(rng.choice(tiers[0]) if rng.random() < 0.8 else rng.choice(below))
    lines = [_line(10 * (n + 1), c, units, rng) for n, c in enumerate(sorted(picks))]
    return {"item": item, "revision": "A", "lines": lines}


def _line(find_number: int, component: str, units: Units, rng: random.Random) -> dict[str, Any]:
    uom, item_type = units.get(component, ("EA", "assembly"))
    quantity = (
        rng.choice(("0.25", "1.5", "2"))
        if item_type == "raw_material"
        else str(rng.choice((1, 1, 1, 2, 4, 6)))
    )
    return {"find_number": find_number, "component": component, "quantity": quantity, "uom": uom}


def _routing(item: str, plant: str) -> dict[str, Any]:
    ops = [
        {"sequence": 10 * (n + 1), "operation": op, "work_center": f"{wc}-{plant}", "run_time": "5"}
        for n, (op, wc) in enumerate((("Assemble", "ASSY"), ("Test", "TEST")))
    ]
    return {"item": item, "revision": "A", "plant": plant, "operations": ops}


def drawing(item: str, revision: str) -> dict[str, Any]:
    return {
        "number": f"DRW-{item}",
        "revision": revision,
        "title": f"Drawing of {item}",
        "doc_type": "drawing",
        "url": f"https://plm.example.com/docs/DRW-{item}/{revision}",
        "items": [item],
    }


def sources_for(part: str, plants: tuple[tuple[str, str], ...]) -> list[dict[str, Any]]:
    """One source per plant, bought from that plant's regional supplier."""
    return [
        {
            "item": part,
            "manufacturer": "Acme Manufacturing",
            "mpn": f"ACM-{part}",
            "supplier": _REGION_SUPPLIERS.get(region, "Global Parts"),
            "plants": [plant],
        }
        for plant, region in plants
    ]


def _revise_bom(bom: Bom, parts: list[str], rng: random.Random) -> Bom:
    lines = list(bom.lines)
    first = lines[0]
    lines[0] = first.model_copy(update={"quantity": first.quantity + Decimal(1)})
    used = {line.component for line in lines}
    swap = next(p for p in rng.sample(parts, 50) if p not in used)
    lines[-1] = lines[-1].model_copy(
        update={"component": swap, "uom": "EA", "quantity": Decimal(1)}
    )
    return bom.model_copy(update={"revision": "B", "lines": tuple(lines)})
