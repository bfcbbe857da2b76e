"""What real released products carry besides a plain multi-level BOM, added to a generated
release: substitutes on part lines (some meant for one region only), plant alternates (two
lines of one BOM, each used by only some of the plants), a second approved manufacturer and
distributor per region for some bought items, and datasheets for some of them.

Works on the raw package (plain dicts, before validation) with the caller's random stream,
so the same seed gives the same package. Nothing here adds or removes items or BOM lines:
a release keeps the size its shape asked for.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

Raw = dict[str, Any]
Plants = tuple[tuple[str, str], ...]  # (plant code, region)

_SECOND_SOURCE = {  # region → (manufacturer, regional distributor)
    "NA": ("Bolt & Nut Works", "Great Lakes Supply Co"),
    "EU": ("Schraubenwerk AG", "Lyon Pieces SA"),
    "APAC": ("Pearl River Fasteners", "Penang Parts Sdn Bhd"),
    "": ("Bolt & Nut Works", "Global Parts"),
}


@dataclass(frozen=True)
class Variety:
    """Shares of the release given each extra (0 leaves it out)."""

    substitutes: float = 0.0  # part lines with one or two substitutes
    plant_alternates: float = 0.0  # BOMs where two part lines are alternates per plant
    second_sources: float = 0.0  # bought items with a second manufacturer in each region
    datasheets: float = 0.0  # bought items with a datasheet document


PLAIN = Variety()
REALISTIC = Variety(substitutes=0.05, plant_alternates=0.15, second_sources=0.25, datasheets=0.2)


def add_variety(raw: Raw, plants: Plants, variety: Variety, rng: random.Random) -> None:
    """Add the extras to `raw` in place."""
    parts = sorted(i["number"] for i in raw["items"] if i["item_type"] == "part")
    each_unit = set(parts)  # parts are stocked in EA, as every substitute line is
    for bom in raw["boms"]:
        _add_substitutes(bom, parts, each_unit, plants, variety.substitutes, rng)
        if len(plants) > 1 and rng.random() < variety.plant_alternates:
            _make_plant_alternates(bom, each_unit, plants, rng)
    bought = [i["number"] for i in raw["items"] if i["make_buy"] == "buy"]
    raw["sources"] += [
        s for n in bought if rng.random() < variety.second_sources for s in _second(n, plants)
    ]
    raw["documents"] += [_datasheet(n) for n in bought if rng.random() < variety.datasheets]


def _add_substitutes(
    bom: Raw,
    parts: list[str],
    each_unit: set[str],
    plants: Plants,
    share: float,
    rng: random.Random,
) -> None:
    used = {line["component"] for line in bom["lines"]}
    for line in bom["lines"]:
        if line["component"] not in each_unit or rng.random() >= share:
            continue
        picks = [p for p in rng.sample(parts, min(len(parts), 8)) if p not in used][:2]
        line["substitutes"] = [{"component": p, "priority": n + 1} for n, p in enumerate(picks)]
        regions = sorted({region for _, region in plants if region})
        if len(line["substitutes"]) == 2 and regions:
            line["substitutes"][1]["regions"] = [rng.choice(regions)]  # only there


def _make_plant_alternates(
    bom: Raw, each_unit: set[str], plants: Plants, rng: random.Random
) -> None:
    """Two part lines become alternates: the first plant builds with one, the others with
    the other, in the same quantity."""
    candidates = [line for line in bom["lines"] if line["component"] in each_unit]
    if len(candidates) < 2:
        return
    first, second = rng.sample(candidates, 2)
    codes = [code for code, _ in plants]
    first["plants"] = codes[:1]
    second["plants"] = codes[1:]
    second["quantity"] = first["quantity"]
    second["notes"] = f"plant alternate of line {first['find_number']}"


def _second(item: str, plants: Plants) -> list[Raw]:
    """One second source per region, for the plants of that region."""
    by_region: dict[str, list[str]] = {}
    for plant, region in plants:
        by_region.setdefault(region, []).append(plant)
    sources = []
    for region, codes in by_region.items():
        manufacturer, distributor = _SECOND_SOURCE.get(region, _SECOND_SOURCE[""])
        sources.append(
            {
                "item": item,
                "manufacturer": manufacturer,
                "mpn": f"{manufacturer[:3].upper()}-{item}",
                "supplier": distributor,
                "plants": codes,
                "regions": [region] if region else None,
            }
        )
    return sources


def _datasheet(item: str) -> Raw:
    return {
        "number": f"DS-{item}",
        "revision": "A",
        "title": f"Datasheet of {item}",
        "doc_type": "datasheet",
        "url": f"https://plm.example.com/docs/DS-{item}/A",
        "items": [item],
    }
