"""Generated releases with variety: substitutes, plant alternates, suppliers per region,
documents and routings, without changing the release's size; seeded and valid."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from plmsync import generator
from plmsync.config import DEFAULT_UNITS
from plmsync.domain.package import ChangePackage
from plmsync.pipeline.validate import ValidationContext, validate

PLANTS = (("US01", "NA"), ("MX01", "NA"), ("DE01", "EU"), ("CN01", "APAC"))
SHAPE = generator.Shape(items=300, lines=1_200, plants=PLANTS, seed=3)
RICH = replace(SHAPE, variety=generator.REALISTIC)


def context(*, capable: bool) -> ValidationContext:
    """The four plants configured; `capable`: every ERP holds substitutes and line dates."""
    return ValidationContext(
        plants=frozenset(code for code, _ in PLANTS),
        unit_categories={code: unit.category for code, unit in DEFAULT_UNITS.items()},
        regions=dict(PLANTS),
        substitutes=capable,
        line_effectivity=capable,
    )


def line_count(package: ChangePackage) -> int:
    return sum(len(bom.lines) for bom in package.boms)


def test_variety_is_seeded_and_keeps_the_size_asked_for() -> None:
    rich = generator.release(RICH)
    assert generator.release(RICH).model_dump_json() == rich.model_dump_json()
    other = replace(RICH, seed=4)
    assert generator.release(other).model_dump_json() != rich.model_dump_json()
    plain = generator.release(SHAPE)
    assert [i.number for i in rich.items] == [i.number for i in plain.items]
    assert line_count(rich) == line_count(plain) == SHAPE.lines


def test_release_carries_substitutes_and_plant_alternates() -> None:
    lines = [line for bom in generator.release(RICH).boms for line in bom.lines]
    with_substitutes = [line for line in lines if line.substitutes]
    assert with_substitutes
    regional = [s for line in with_substitutes for s in line.substitutes if s.regions]
    assert regional and {r for s in regional for r in s.regions or ()} <= set(dict(PLANTS).values())
    # A plant alternate: a line one plant builds with while the others build with another.
    restricted = [line for line in lines if line.plants is not None]
    assert {p for line in restricted for p in line.plants or ()} == {p for p, _ in PLANTS}
    assert any(line.notes.startswith("plant alternate") for line in restricted)


def test_release_has_suppliers_per_region_documents_and_routings() -> None:
    package = generator.release(RICH)
    suppliers: dict[tuple[str, str], set[str]] = defaultdict(set)  # (item, region) → suppliers
    region = dict(PLANTS)
    for source in package.sources:
        for plant in source.plants or ():
            suppliers[source.item, region[plant]].add(source.supplier)
    assert {r for (_, r) in suppliers} == set(region.values())
    assert any(len(names) >= 2 for names in suppliers.values())  # a second source somewhere
    kinds = {d.doc_type for d in package.documents}
    assert {"drawing", "datasheet"} <= kinds
    assemblies = {i.number for i in package.items if i.item_type == "assembly"}
    routed = {(r.item, r.plant) for r in package.routings}
    assert routed == {(a, p) for a in assemblies for p, _ in PLANTS}


def test_release_with_variety_validates_for_its_plants() -> None:
    package = generator.release(RICH)
    assert validate(package, context(capable=True)) == []
    # An ERP without substitutes or line dates only warns: nothing blocks the release.
    found = validate(package, context(capable=False))
    assert found and not any(i.blocking for i in found)
    assert {i.code for i in found} == {"PLMSYNC-SUBSTITUTES-UNSUPPORTED"}
