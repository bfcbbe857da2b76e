"""Plant derivation (EBOM → MBOM): each plant rule, the trace naming the rule behind every
difference, and determinism whatever the input order."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from plmsync.domain.package import ChangePackage
from plmsync.domain.rules import DEFAULT_RULES, Rules
from plmsync.domain.state import BomLineRecord, ObjectKind
from plmsync.pipeline.derive import derive, derive_with_trace, engineering_view
from plmsync.pipeline.plant_rules import Derivation, DerivationKind
from tests.unit import builders as b

US01 = b.at("US01", region="NA")
DE01 = b.at("DE01", region="EU")
COMPLIANT = {"rohs": True, "reach": True}


def rules(**data: Any) -> Rules:
    return Rules.model_validate(data)


def lines(package: ChangePackage, plant: Any, parent: str, rules_: Rules) -> list[tuple[Any, ...]]:
    bom = derive(package, plant, rules_).boms[parent]
    return [(ln.find_number, ln.component, ln.quantity) for ln in bom.lines]


def board(**sources: Any) -> ChangePackage:
    """A board with capacitor CAP (and its EU variant CAP-EU) and resistor RES."""
    return b.package(
        plants=(b.plant("US01"), b.plant("DE01")),
        items=[
            b.item("PCB", item_type="assembly", make_buy="make"),
            b.item("CAP", attributes=COMPLIANT),
            b.item("CAP-EU", attributes=COMPLIANT),
            b.item("RES"),
        ],
        boms=[b.bom("PCB", b.line(10, "CAP", "2"), b.line(20, "RES", "4"))],
        sources=[
            b.sourcing("CAP", "ACME"),
            b.sourcing("CAP-EU", "EuroParts", regions=["EU"]),
            b.sourcing("RES", "ACME"),
            *sources.get("extra", ()),
        ],
    )


EU_CAPACITOR = rules(regions={"EU": {"substitutions": [{"replace": "CAP", "by": "CAP-EU"}]}})


# --- acceptance: an EU plant gets the EU substitute and EU sources, the US plant does not ----


def test_the_eu_plant_builds_with_the_eu_substitute_and_buys_from_eu_sources() -> None:
    de01, trace = derive_with_trace(board(), DE01, EU_CAPACITOR)

    assert [ln.component for ln in de01.boms["PCB"].lines] == ["CAP-EU", "RES"]
    assert "CAP-EU/EuroParts/MPN-CAP-EU" in de01.sources
    assert trace == [
        Derivation(
            DerivationKind.SUBSTITUTION,
            "PCB#10",
            "regions.EU.substitutions[0]",
            "CAP → CAP-EU",
            "CAP",
            "CAP-EU",
        )
    ]


def test_the_us_plant_keeps_the_engineering_component_and_no_eu_source() -> None:
    us01, trace = derive_with_trace(board(), US01, EU_CAPACITOR)

    assert [ln.component for ln in us01.boms["PCB"].lines] == ["CAP", "RES"]
    assert not any(s.supplier == "EuroParts" for s in us01.sources.values())
    assert trace == []


# --- substitutions ---------------------------------------------------------------------------


def test_a_substitution_keeps_the_lines_quantity_unit_and_find_number() -> None:
    assert lines(board(), DE01, "PCB", EU_CAPACITOR) == [
        (10, "CAP-EU", Decimal("2")),
        (20, "RES", Decimal("4")),
    ]


def test_a_substitution_limited_to_a_parent_leaves_other_parents_alone() -> None:
    package = b.package(
        items=[b.item(n) for n in ("A", "B", "X", "Y")],
        boms=[b.components("A", "X"), b.components("B", "X")],
    )
    only_a = rules(plants={"US01": {"substitutions": [{"replace": "X", "by": "Y", "parent": "A"}]}})

    view = derive(package, US01, only_a)

    assert (view.boms["A"].lines[0].component, view.boms["B"].lines[0].component) == ("Y", "X")


def test_a_plant_substitution_wins_over_its_regions() -> None:
    both = rules(
        regions={"EU": {"substitutions": [{"replace": "CAP", "by": "CAP-EU"}]}},
        plants={"DE01": {"substitutions": [{"replace": "CAP", "by": "RES", "name": "no caps"}]}},
    )

    view, trace = derive_with_trace(board(), DE01, both)

    assert view.boms["PCB"].lines[0].component == "RES"
    assert [d.rule for d in trace] == ["plants.DE01.substitutions[0] (no caps)"]


def plm_substitutes(*substitutes: dict[str, Any]) -> ChangePackage:
    return b.package(
        items=[b.item(n) for n in ("A", "X", "X-NA", "X-US", "X-ANY")],
        boms=[b.bom("A", b.line(10, "X", "2", substitutes=list(substitutes)))],
    )


PLM_SUBSTITUTES = (
    {"component": "X-ANY", "priority": 1},  # meant for no plant in particular: not a plant rule
    {"component": "X-NA", "regions": ["NA"], "priority": 2},
    {"component": "X-US", "plants": ["US01"], "priority": 1, "quantity": "3"},
)


def test_a_plant_using_plm_substitutes_takes_the_one_meant_for_it_by_priority() -> None:
    package = plm_substitutes(*PLM_SUBSTITUTES)
    use_them = rules(regions={"NA": {"use_plm_substitutes": True}})

    view, trace = derive_with_trace(package, US01, use_them)

    assert view.boms["A"].lines == (BomLineRecord(10, "X-US", Decimal("3"), "EA"),)
    assert [(d.rule, d.description) for d in trace] == [
        ("regions.NA.use_plm_substitutes", "X → X-US (PLM substitute, priority 1)")
    ]


def test_plm_substitutes_are_ignored_unless_the_plant_uses_them() -> None:
    package = plm_substitutes(*PLM_SUBSTITUTES)
    opted_out = rules(
        regions={"NA": {"use_plm_substitutes": True}},
        plants={"US01": {"use_plm_substitutes": False}},
    )

    assert lines(package, US01, "A", opted_out) == [(10, "X", Decimal("2"))]
    assert lines(package, US01, "A", DEFAULT_RULES) == [(10, "X", Decimal("2"))]


# --- phantoms --------------------------------------------------------------------------------


def kit(*extra_boms: dict[str, Any], nested: bool = False) -> ChangePackage:
    """TOP uses phantom PH twice and S1 once; PH holds S1 and 3 S2 (or phantom PH2)."""
    inner = b.line(20, "PH2" if nested else "S2", "3")
    return b.package(
        items=[
            b.item("TOP", item_type="assembly", make_buy="make"),
            b.item("PH", item_type="phantom", make_buy="make"),
            b.item("PH2", item_type="phantom", make_buy="make"),
            *(b.item(n) for n in ("S1", "S2", "S3")),
        ],
        boms=[
            b.bom("TOP", b.line(10, "PH", "2"), b.line(20, "S1")),
            b.bom("PH", b.line(10, "S1"), inner),
            b.bom("PH2", b.line(5, "S3", "0.5")),
            *extra_boms,
        ],
    )


FLATTEN = rules(plants={"US01": {"phantom": "flatten"}})


def test_a_flattened_phantom_becomes_its_lines_multiplied_out() -> None:
    view, trace = derive_with_trace(kit(), US01, FLATTEN)

    assert [(ln.find_number, ln.component, ln.quantity) for ln in view.boms["TOP"].lines] == [
        (20, "S1", Decimal("1")),
        (10010, "S1", Decimal("2")),
        (10020, "S2", Decimal("6")),
    ]
    assert trace == [
        Derivation(
            DerivationKind.PHANTOM,
            "TOP#10",
            "plants.US01.phantom",
            "phantom PH × 2 flattened into 10010 S1 × 2, 10020 S2 × 6",
            "PH",
        )
    ]
    assert "PH" in view.boms and "PH" in view.items  # the phantom itself is still synced


def test_nested_phantoms_are_flattened_all_the_way_down() -> None:
    view = derive(kit(nested=True), US01, FLATTEN)

    assert [(ln.find_number, ln.component, ln.quantity) for ln in view.boms["TOP"].lines] == [
        (20, "S1", Decimal("1")),
        (10010, "S1", Decimal("2")),
        (10020005, "S3", Decimal("3.0")),
    ]
    assert [ln.component for ln in view.boms["PH"].lines] == ["S1", "S3"]


def test_phantoms_are_kept_by_default() -> None:
    assert derive(kit(), US01, DEFAULT_RULES) == engineering_view(kit(), US01)


def test_a_substitution_inside_a_phantom_applies_before_flattening() -> None:
    both = rules(
        plants={"US01": {"phantom": "flatten", "substitutions": [{"replace": "S2", "by": "S3"}]}}
    )

    view, trace = derive_with_trace(kit(), US01, both)

    assert [ln.component for ln in view.boms["TOP"].lines] == ["S1", "S1", "S3"]
    assert [d.kind for d in trace] == [DerivationKind.SUBSTITUTION, DerivationKind.PHANTOM]


def test_a_flattened_find_number_never_clashes_with_an_existing_line() -> None:
    package = b.package(
        items=[b.item("TOP"), b.item("PH", item_type="phantom"), b.item("S1"), b.item("S2")],
        boms=[
            b.bom("TOP", b.line(1, "PH"), b.line(1010, "S2")),
            b.bom("PH", b.line(10, "S1")),
        ],
    )

    numbers = [ln.find_number for ln in derive(package, US01, FLATTEN).boms["TOP"].lines]

    assert numbers == [1010, 1011]


# --- make or buy ------------------------------------------------------------------------------


def test_make_buy_is_overridden_per_plant_with_the_rule_named() -> None:
    per_plant = rules(plants={"DE01": {"make_buy": {"RES": "make", "PCB": "make"}}})

    view, trace = derive_with_trace(board(), DE01, per_plant)

    assert view.items["RES"].make_buy == "make"
    assert [(d.kind, d.key, d.rule, d.before, d.after) for d in trace] == [
        (DerivationKind.MAKE_BUY, "RES", "plants.DE01.make_buy.RES", "buy", "make")
    ]  # PCB is already made: no difference, no trace
    assert derive(board(), US01, per_plant).items["RES"].make_buy == "buy"


# --- local sourcing --------------------------------------------------------------------------


def test_a_plant_preferring_its_region_buys_only_from_local_sources_where_there_are_some() -> None:
    package = board(extra=[b.sourcing("CAP", "EuroParts", regions=["EU"])])
    local = rules(regions={"EU": {"preferred_regions": ["EU"]}})

    view, trace = derive_with_trace(package, DE01, local)

    assert sorted(s.key for s in view.sources.values()) == [
        "CAP-EU/EuroParts/MPN-CAP-EU",
        "CAP/EuroParts/MPN-CAP",
        "RES/ACME/MPN-RES",  # no EU source for RES: the global one stays
    ]
    assert [(d.kind, d.key, d.rule) for d in trace] == [
        (DerivationKind.SOURCING, "CAP/ACME/MPN-CAP", "regions.EU.preferred_regions")
    ]


# --- export control --------------------------------------------------------------------------


def controlled() -> ChangePackage:
    return b.package(
        items=[
            b.item("TOP", item_type="assembly"),
            b.item("CRYPTO", attributes={"export_control": "5A002"}),
            b.item("S1", attributes={"export_control": "EAR99"}),
        ],
        boms=[b.components("TOP", "CRYPTO", "S1")],
        documents=[b.document("DRW-C", "CRYPTO")],
        sources=[b.sourcing("CRYPTO"), b.sourcing("S1")],
    )


EXCLUDE_EU = rules(export_control={"excluded_regions": ["EU"]})


def test_an_export_controlled_item_never_reaches_an_excluded_plant() -> None:
    view, trace = derive_with_trace(controlled(), DE01, EXCLUDE_EU)

    assert "CRYPTO" not in view.item_numbers
    assert [ln.component for ln in view.boms["TOP"].lines] == ["S1"]
    assert "CRYPTO" not in view.complete_for[ObjectKind.SOURCE]  # ERP records left alone
    assert [(d.kind, d.key, d.rule) for d in trace] == [
        (DerivationKind.EXCLUSION, "CRYPTO", "export_control.excluded_regions"),
        (DerivationKind.EXCLUSION, "TOP#10", "export_control.excluded_regions"),
    ]


def test_other_plants_and_exempt_classifications_are_not_excluded() -> None:
    assert derive(controlled(), US01, EXCLUDE_EU) == engineering_view(controlled(), US01)
    assert "S1" in derive(controlled(), DE01, EXCLUDE_EU).items  # EAR99 travels freely


# --- the whole -------------------------------------------------------------------------------


def test_derive_is_the_view_of_derive_with_trace_and_defaults_change_nothing() -> None:
    package = b.example_package()

    assert derive(package, DE01, EU_CAPACITOR) == derive_with_trace(package, DE01, EU_CAPACITOR)[0]
    assert derive(package, DE01) == engineering_view(package, DE01)
    assert derive_with_trace(package, DE01) == (engineering_view(package, DE01), [])


# --- property: deterministic and independent of input order --------------------------------

POOL = [f"P{n}" for n in range(8)]
REGION_OF = {"US01": "NA", "DE01": "EU"}


@st.composite
def packages(draw: st.DrawFn) -> dict[str, Any]:
    """Items P0…P7 (some phantoms, some export-controlled); a parent only uses items with a
    lower number, so the BOM graph has no cycle."""
    types = {n: draw(st.sampled_from(["part", "assembly", "phantom"])) for n in POOL}
    eccn = {n: draw(st.sampled_from([None, "EAR99", "5A002"])) for n in POOL}
    boms = []
    for index, parent in enumerate(POOL[2:], start=2):
        kids = draw(st.lists(st.sampled_from(POOL[:index]), max_size=3))
        if kids:
            quantities = [draw(st.sampled_from(["1", "2", "0.5"])) for _ in kids]
            boms.append(
                b.bom(
                    parent,
                    *(
                        b.line(10 * (k + 1), c, q)
                        for k, (c, q) in enumerate(zip(kids, quantities, strict=True))
                    ),
                )
            )
    sources = [
        b.sourcing(n, supplier, regions=draw(st.sampled_from([None, ["EU"], ["NA"]])))
        for n in draw(st.lists(st.sampled_from(POOL), unique=True, max_size=4))
        for supplier in draw(
            st.lists(st.sampled_from(["ACME", "Euro", "Local"]), unique=True, max_size=2)
        )
    ]
    return b.package_dict(
        items=[
            b.item(n, item_type=types[n], attributes={"export_control": eccn[n]} if eccn[n] else {})
            for n in POOL
        ],
        boms=boms,
        sources=[{k: v for k, v in s.items() if v is not None} for s in sources],
        plants=(b.plant("US01"), b.plant("DE01")),
    )


@st.composite
def site_rules(draw: st.DrawFn) -> dict[str, Any]:
    pairs = st.tuples(st.sampled_from(POOL), st.sampled_from(POOL)).filter(lambda p: p[0] != p[1])
    return {
        "substitutions": [{"replace": x, "by": y} for x, y in draw(st.lists(pairs, max_size=3))],
        "phantom": draw(st.sampled_from(["keep", "flatten"])),
        "make_buy": draw(st.dictionaries(st.sampled_from(POOL), st.sampled_from(["make", "buy"]))),
        "preferred_regions": draw(st.sampled_from([[], ["EU"], ["NA"]])),
    }


@st.composite
def any_rules(draw: st.DrawFn) -> Rules:
    return rules(
        regions={"EU": draw(site_rules()), "NA": draw(site_rules())},
        plants={"DE01": draw(site_rules())},
        export_control={"excluded_plants": draw(st.sampled_from([[], ["DE01"], ["US01"]]))},
    )


@settings(max_examples=60, deadline=None)
@given(packages(), any_rules(), st.randoms(use_true_random=False))
def test_derivation_is_deterministic_and_independent_of_input_order(
    data: dict[str, Any], rules_: Rules, random: Any
) -> None:
    package = ChangePackage.model_validate(data)
    for key in ("items", "boms", "sources"):
        random.shuffle(data[key])
    for bom in data["boms"]:
        random.shuffle(bom["lines"])
    shuffled = ChangePackage.model_validate(data)

    for code, region in REGION_OF.items():
        plant = b.at(code, region=region)
        first = derive_with_trace(package, plant, rules_)
        assert derive_with_trace(package, plant, rules_) == first
        assert derive_with_trace(shuffled, plant, rules_) == first


@settings(max_examples=60, deadline=None)
@given(packages(), any_rules())
def test_every_difference_from_the_engineering_view_is_traced(
    data: dict[str, Any], rules_: Rules
) -> None:
    package = ChangePackage.model_validate(data)

    for code, region in REGION_OF.items():
        plant = b.at(code, region=region)
        view, trace = derive_with_trace(package, plant, rules_)
        engineering = engineering_view(package, plant)
        traced = {d.key for d in trace}
        changed_items = {n for n, r in view.items.items() if engineering.items.get(n) != r}
        changed_items |= set(engineering.items) - set(view.items)
        changed_lines = {
            f"{parent}#{ln.find_number}"
            for parent, bom in engineering.boms.items()
            for ln in bom.lines
            if parent in view.boms and ln not in view.boms[parent].lines
        }
        # A source left out is traced by its key, or by its item when the item is excluded.
        dropped_sources = {
            key
            for key, record in engineering.sources.items()
            if key not in view.sources and record.item in view.items
        }
        assert changed_items | changed_lines | dropped_sources <= traced
        assert bool(trace) == (view != engineering)


def test_cut_over_dates_still_choose_the_lines_before_rules_apply() -> None:
    package = b.package(
        items=[b.item(n) for n in ("A", "OLD", "NEW", "NEW-EU")],
        boms=[
            b.bom(
                "A",
                b.line(10, "OLD", effective_to="2026-06-01"),
                b.line(10, "NEW", effective_from="2026-06-01"),
            )
        ],
    )
    eu = rules(regions={"EU": {"substitutions": [{"replace": "NEW", "by": "NEW-EU"}]}})

    early = derive(package, b.at("DE01", dt.date(2026, 5, 5), "EU"), eu)
    late = derive(package, b.at("DE01", dt.date(2026, 6, 1), "EU"), eu)

    assert [ln.component for ln in early.boms["A"].lines] == ["OLD"]
    assert [ln.component for ln in late.boms["A"].lines] == ["NEW-EU"]
