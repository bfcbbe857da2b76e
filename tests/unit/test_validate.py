"""validate: every problem of a package at once, each with its stable code and object."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from plmsync.domain.issues import CATALOGUE, Issue, Severity
from plmsync.domain.package import ChangePackage
from plmsync.domain.rules import Rules
from plmsync.pipeline.validate import ValidationContext, find_cycles, validate
from tests.unit import builders as b


def codes(issues: list[Issue]) -> list[str]:
    return [i.code for i in issues]


def concerns(issues: list[Issue]) -> set[tuple[str, str, str]]:
    return {(i.code, i.object_kind, i.object_key) for i in issues}


def assembly(*boms: dict[str, Any], extra_items: tuple[str, ...] = ()) -> ChangePackage:
    """Items for every BOM parent and component named, plus the BOMs given."""
    numbers = {bm["item"] for bm in boms} | {ln["component"] for bm in boms for ln in bm["lines"]}
    numbers |= set(extra_items)
    return b.package(items=[b.item(n) for n in sorted(numbers)], boms=boms)


# --- the whole picture -------------------------------------------------------------------------


def test_the_example_package_has_no_issues() -> None:
    ctx = b.context(unit_categories={"EA": "count", "L": "volume"}, unit_digits={"EA": 0, "L": 3})

    assert validate(b.example_package(), ctx) == []


def test_six_problems_are_reported_together_each_naming_its_object() -> None:
    package = b.package(
        plants=(b.plant("US01"), b.plant("XX99")),
        items=[b.item(n) for n in ("A", "B", "C", "P1", "P2")],
        boms=[
            b.components("A", "B"),
            b.components("B", "A"),
            b.bom(
                "C",
                b.line(10, "P1"),
                b.line(20, "P2", uom="FURLONG"),
                b.line(30, "GHOST"),
                b.line(30, "P1"),
                b.line(40, "P2", "-1"),
            ),
        ],
    )

    issues = validate(package, b.context())

    assert concerns(issues) == {
        ("PLMSYNC-PLANT-UNKNOWN", "plant", "XX99"),
        ("PLMSYNC-UOM-UNKNOWN", "bom_line", "C#20"),
        ("PLMSYNC-BOM-CYCLE", "bom", "A"),
        ("PLMSYNC-BOM-COMPONENT-MISSING", "bom_line", "C#30"),
        ("PLMSYNC-BOM-DUPLICATE-FIND-NUMBER", "bom", "C"),
        ("PLMSYNC-BOM-QUANTITY-NOT-POSITIVE", "bom_line", "C#40"),
    }
    assert len(issues) == 6
    assert all(i.blocking for i in issues)


# --- one focused case per catalogue code -------------------------------------------------------

Case = Callable[[], tuple[ChangePackage, ValidationContext]]
BEFORE_CUT_OVER = b.CUT_OVER - dt.timedelta(days=1)


def _in_context(package: ChangePackage, **context: Any) -> tuple[ChangePackage, ValidationContext]:
    return package, b.context(**context)


CASES: dict[str, Case] = {
    "PLMSYNC-PLANT-UNKNOWN": lambda: _in_context(
        b.package(items=[b.item("A")], plants=(b.plant("ZZ99"),))
    ),
    "PLMSYNC-PLANT-NONE": lambda: _in_context(b.package(items=[b.item("A")], plants=())),
    "PLMSYNC-UOM-UNKNOWN": lambda: _in_context(b.package(items=[b.item("A", uom="BOX")])),
    "PLMSYNC-UOM-INCOMPATIBLE": lambda: _in_context(
        b.package(
            items=[b.item("A"), b.item("OIL", uom="L")],
            boms=[b.bom("A", b.line(10, "OIL", "0.2", uom="KG"))],
        )
    ),
    "PLMSYNC-BOM-CYCLE": lambda: _in_context(
        assembly(b.components("A", "B"), b.components("B", "A"))
    ),
    "PLMSYNC-BOM-COMPONENT-MISSING": lambda: _in_context(
        b.package(items=[b.item("A")], boms=[b.components("A", "GHOST")])
    ),
    "PLMSYNC-BOM-PARENT-MISSING": lambda: _in_context(
        b.package(items=[b.item("B")], boms=[b.components("A", "B")])
    ),
    "PLMSYNC-BOM-DUPLICATE-FIND-NUMBER": lambda: _in_context(
        assembly(b.bom("A", b.line(10, "B"), b.line(10, "C")))
    ),
    "PLMSYNC-BOM-QUANTITY-NOT-POSITIVE": lambda: _in_context(
        assembly(b.bom("A", b.line(10, "B", "0")))
    ),
    "PLMSYNC-BOM-REFDES-COUNT": lambda: _in_context(
        assembly(b.bom("A", b.line(10, "B", "2", reference_designators=["R1"])))
    ),
    "PLMSYNC-BOM-REVISION-MISMATCH": lambda: _in_context(
        b.package(
            items=[b.item("A", "B"), b.item("B")], boms=[b.components("A", "B", revision="A")]
        )
    ),
    "PLMSYNC-BOM-DUPLICATE": lambda: _in_context(
        assembly(b.components("A", "B"), b.components("A", "C"))
    ),
    "PLMSYNC-SUBSTITUTES-UNSUPPORTED": lambda: _in_context(
        assembly(b.bom("A", b.line(10, "B", substitutes=[{"component": "C"}])), extra_items=("C",))
    ),
    "PLMSYNC-ITEM-DUPLICATE": lambda: _in_context(b.package(items=[b.item("A"), b.item("A")])),
    "PLMSYNC-ITEM-NOT-RELEASED": lambda: _in_context(
        b.package(items=[b.item("A", lifecycle_state="in_work")])
    ),
    "PLMSYNC-EFFECTIVITY-RANGE": lambda: _in_context(
        b.package(
            items=[b.item("A")], plants=(b.plant("US01", effective_to=BEFORE_CUT_OVER.isoformat()),)
        )
    ),
    "PLMSYNC-LINE-EFFECTIVITY-UNSUPPORTED": lambda: _in_context(
        assembly(b.bom("A", b.line(10, "B", effective_from="2026-06-01")))
    ),
    "PLMSYNC-ROUTING-PLANT-UNKNOWN": lambda: _in_context(
        b.package(items=[b.item("A")], routings=[b.routing("A", "DE01")])
    ),
    "PLMSYNC-ROUTING-DUPLICATE-SEQUENCE": lambda: _in_context(
        b.package(
            items=[b.item("A")],
            routings=[b.routing("A", "US01", b.operation(10), b.operation(10, "WC-2"))],
        )
    ),
    "PLMSYNC-REFERENCE-ITEM-MISSING": lambda: _in_context(
        b.package(items=[b.item("A")], documents=[b.document("DRW-1", "GHOST")])
    ),
    "PLMSYNC-ERP-UNIT-PRECISION": lambda: _in_context(
        assembly(b.bom("A", b.line(10, "B", "0.5"))), unit_digits={"EA": 0}
    ),
    # --- governance: workspace rules and the change's time line ---
    "PLMSYNC-ITEM-ATTRIBUTE-MISSING": lambda: _in_context(
        b.package(items=[b.item("A", attributes={"rohs": "no"})]),
        rules=Rules.model_validate({"required_attributes": [{"attributes": ["rohs"]}]}),
    ),
    "PLMSYNC-EXPORT-CONTROL": lambda: _in_context(
        b.package(items=[b.item("A", attributes={"export_control": "3A001"})]),
        rules=Rules.model_validate({"export_control": {"excluded_plants": ["US01"]}}),
    ),
    "PLMSYNC-SUBSTITUTE-MISSING": lambda: _in_context(
        assembly(b.components("A", "B")),
        rules=Rules.model_validate(
            {"plants": {"US01": {"substitutions": [{"replace": "B", "by": "GHOST"}]}}}
        ),
    ),
    "PLMSYNC-EFFECTIVITY-OVERLAP": lambda: _in_context(
        assembly(
            b.bom(
                "A",
                b.line(10, "OLD", effective_to="2026-07-01"),
                b.line(10, "NEW", effective_from="2026-06-01"),
            )
        ),
        line_effectivity=True,
    ),
    "PLMSYNC-EFFECTIVITY-GAP": lambda: _in_context(
        assembly(
            b.bom(
                "A",
                b.line(10, "OLD", effective_to="2026-06-01"),
                b.line(10, "NEW", effective_from="2026-07-01"),
            )
        ),
        line_effectivity=True,
    ),
    "PLMSYNC-LIFECYCLE-OBSOLETE": lambda: _in_context(
        b.package(
            items=[b.item("A", "B", lifecycle_state="obsolete")],
            affected=[b.affected("A", "A", "B")],
        )
    ),
    "PLMSYNC-LIFECYCLE-REVISION-MISMATCH": lambda: _in_context(
        b.package(items=[b.item("A", "B")], affected=[b.affected("A", "A", "C")])
    ),
    "PLMSYNC-LIFECYCLE-REVISION-BACKWARDS": lambda: _in_context(
        b.package(items=[b.item("A", "B")], affected=[b.affected("A", "C", "B")])
    ),
}


def test_the_cases_cover_every_catalogue_code() -> None:
    assert set(CASES) == set(CATALOGUE)


@pytest.mark.parametrize("code", sorted(CASES))
def test_each_rule_raises_its_code_and_nothing_else(code: str) -> None:
    package, ctx = CASES[code]()

    issues = validate(package, ctx)

    assert codes(issues) == [code]
    assert issues[0].severity is CATALOGUE[code].severity
    assert issues[0].message
    assert issues[0].object_key


def test_a_clean_package_of_the_same_shape_has_no_issues() -> None:
    package = assembly(b.bom("A", b.line(10, "B", "2", reference_designators=["R1", "R2"])))

    assert validate(package, b.context(unit_digits={"EA": 0})) == []


# --- details per rule ------------------------------------------------------------------------


def test_unknown_plants_are_found_wherever_the_package_names_them() -> None:
    package = b.package(
        items=[b.item("A"), b.item("B")],
        boms=[b.bom("A", b.line(10, "B", plants=["MX01", "ZZ99"]))],
        sources=[b.sourcing("B", plants=["ZZ99"])],
    )

    issues = validate(package, b.context())

    assert [(i.code, i.object_key, i.plant) for i in issues] == [
        ("PLMSYNC-PLANT-UNKNOWN", "MX01", "MX01"),
        ("PLMSYNC-PLANT-UNKNOWN", "ZZ99", "ZZ99"),
    ]
    assert "US01" in issues[0].message  # says which plants are known


def test_a_substitute_unit_must_be_known() -> None:
    package = assembly(
        b.bom("A", b.line(10, "B", substitutes=[{"component": "C", "uom": "BOX"}])),
        extra_items=("C",),
    )

    issues = validate(package, b.context(substitutes=True))

    assert concerns(issues) == {("PLMSYNC-UOM-UNKNOWN", "bom_line", "A#10")}


def test_units_of_one_category_are_compatible() -> None:
    package = b.package(
        items=[b.item("A"), b.item("STEEL", uom="KG")],
        boms=[b.bom("A", b.line(10, "STEEL", "250", uom="G"))],
    )

    assert validate(package, b.context()) == []


def test_stock_units_of_items_already_in_erp_are_checked_too() -> None:
    package = b.package(items=[b.item("A")], boms=[b.bom("A", b.line(10, "WIRE", "3", uom="KG"))])

    issues = validate(package, b.context(known_items={"WIRE": "M"}))

    assert codes(issues) == ["PLMSYNC-UOM-INCOMPATIBLE"]
    assert "WIRE is stocked in M" in issues[0].message


def test_components_and_references_already_in_erp_are_known() -> None:
    package = b.package(
        items=[b.item("A")],
        boms=[b.components("A", "OLD")],
        documents=[b.document("DRW-1", "OLD")],
        sources=[b.sourcing("OLD")],
    )

    assert validate(package, b.context(known_items={"OLD": "EA"})) == []


def test_every_dangling_reference_is_reported() -> None:
    package = b.package(
        items=[b.item("A")],
        documents=[b.document("DRW-1", "A", "GHOST")],
        sources=[b.sourcing("GHOST", "ACME", "M-1")],
        routings=[b.routing("GHOST", "US01")],
    )

    assert concerns(validate(package, b.context())) == {
        ("PLMSYNC-REFERENCE-ITEM-MISSING", "document", "DRW-1"),
        ("PLMSYNC-REFERENCE-ITEM-MISSING", "source", "GHOST/ACME/M-1"),
        ("PLMSYNC-REFERENCE-ITEM-MISSING", "routing", "GHOST@US01"),
    }


@pytest.mark.parametrize(
    ("quantity", "digits", "flagged"),
    [
        ("1.500", 1, False),  # trailing zeros are not precision
        ("1.25", 1, True),
        ("1.25", 2, False),
        ("1E+3", 0, False),
        ("0.001", 3, False),
    ],
)
def test_unit_precision(quantity: str, digits: int, flagged: bool) -> None:
    package = assembly(b.bom("A", b.line(10, "B", quantity)))

    issues = validate(package, b.context(unit_digits={"EA": digits}))

    assert codes(issues) == (["PLMSYNC-ERP-UNIT-PRECISION"] if flagged else [])


def test_negative_quantity_is_not_positive() -> None:
    package = assembly(b.bom("A", b.line(10, "B", "-0.5")))

    assert concerns(validate(package, b.context())) == {
        ("PLMSYNC-BOM-QUANTITY-NOT-POSITIVE", "bom_line", "A#10")
    }


def test_a_line_valid_for_no_day_is_an_effectivity_error() -> None:
    package = assembly(
        b.bom("A", b.line(10, "B", effective_from="2026-06-01", effective_to="2026-06-01"))
    )

    issues = validate(package, b.context(line_effectivity=True))

    assert concerns(issues) == {("PLMSYNC-EFFECTIVITY-RANGE", "bom_line", "A#10")}


def test_a_plant_effectivity_window_is_checked_per_plant() -> None:
    package = b.package(
        items=[b.item("A")],
        plants=(b.plant("US01"), b.plant("DE01", effective_to=BEFORE_CUT_OVER.isoformat())),
    )

    issues = validate(package, b.context())

    assert [(i.code, i.plant) for i in issues] == [("PLMSYNC-EFFECTIVITY-RANGE", "DE01")]


def test_warnings_do_not_block_and_go_away_when_the_erp_can_hold_the_data() -> None:
    package = assembly(
        b.bom("A", b.line(10, "B", effective_from="2026-06-01", substitutes=[{"component": "C"}])),
        extra_items=("C",),
    )

    warned = validate(package, b.context())

    assert sorted(codes(warned)) == [
        "PLMSYNC-LINE-EFFECTIVITY-UNSUPPORTED",
        "PLMSYNC-SUBSTITUTES-UNSUPPORTED",
    ]
    assert all(i.severity is Severity.WARNING and not i.blocking for i in warned)
    assert validate(package, b.context(line_effectivity=True, substitutes=True)) == []


def test_duplicates_are_reported_once_per_number() -> None:
    package = b.package(items=[b.item("A"), b.item("A"), b.item("A")])

    issues = validate(package, b.context())

    assert codes(issues) == ["PLMSYNC-ITEM-DUPLICATE"]
    assert "3 times" in issues[0].message


# --- cycles ----------------------------------------------------------------------------------


def cycle_issues(package: ChangePackage) -> list[Issue]:
    return [i for i in validate(package, b.context()) if i.code == "PLMSYNC-BOM-CYCLE"]


def test_a_self_loop_is_a_cycle() -> None:
    issues = cycle_issues(assembly(b.components("A", "A")))

    assert [(i.object_key, i.message) for i in issues] == [("A", "BOM cycle: A → A")]


def test_a_two_cycle_is_reported_once() -> None:
    issues = cycle_issues(assembly(b.components("A", "B"), b.components("B", "A")))

    assert [i.message for i in issues] == ["BOM cycle: A → B → A"]


def test_a_three_cycle_is_reported_once_with_its_whole_path() -> None:
    issues = cycle_issues(
        assembly(
            b.components("TOP", "A"),
            b.components("A", "B"),
            b.components("B", "C"),
            b.components("C", "A"),
        )
    )

    assert [i.message for i in issues] == ["BOM cycle: A → B → C → A"]


def test_a_diamond_is_not_a_cycle() -> None:
    package = assembly(
        b.components("TOP", "L", "R"),
        b.components("L", "BASE"),
        b.components("R", "BASE"),
        b.components("BASE", "SCREW"),
    )

    assert validate(package, b.context()) == []


def test_separate_cycles_are_each_reported() -> None:
    issues = cycle_issues(
        assembly(b.components("A", "B"), b.components("B", "A"), b.components("X", "X"))
    )

    assert [i.object_key for i in issues] == ["A", "X"]


def chain(depth: int) -> dict[str, list[str]]:
    return {f"L{n:04d}": [f"L{n + 1:04d}"] for n in range(depth)}


def test_a_500_level_chain_is_not_a_cycle_and_does_not_recurse() -> None:
    levels = chain(500)
    package = assembly(*(b.components(parent, *kids) for parent, kids in levels.items()))

    assert validate(package, b.context()) == []


def test_a_cycle_at_the_bottom_of_a_500_level_chain_is_found() -> None:
    levels = chain(500)
    levels["L0500"] = ["L0498"]
    package = assembly(*(b.components(parent, *kids) for parent, kids in levels.items()))

    assert [i.message for i in cycle_issues(package)] == [
        "BOM cycle: L0498 → L0499 → L0500 → L0498"
    ]


def test_find_cycles_copes_with_very_deep_graphs() -> None:
    levels = chain(20_000)
    levels["L20000"] = ["L0000"]

    (cycle,) = find_cycles(levels)

    assert len(cycle) == 20_001
