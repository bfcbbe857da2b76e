"""The governance checks in detail: required attributes per plant and region, export control,
plant substitutes, effectivity windows and lifecycle transitions. (One focused case per code
is in test_validate.py.)"""

from __future__ import annotations

from typing import Any

import pytest

from plmsync.domain.issues import Issue, Severity
from plmsync.domain.package import ChangePackage
from plmsync.domain.rules import Rules
from plmsync.pipeline.validate import validate
from plmsync.pipeline.validate_rules import is_truthy
from tests.unit import builders as b

REGIONS = {"US01": "NA", "DE01": "EU"}
BOTH = (b.plant("US01"), b.plant("DE01"))


def found(package: ChangePackage, **rules: Any) -> list[tuple[str, str, str]]:
    ctx = b.context(rules=Rules.model_validate(rules), regions=REGIONS, line_effectivity=True)
    return [(i.code, i.object_key, i.plant) for i in validate(package, ctx)]


def issues_of(package: ChangePackage, **rules: Any) -> list[Issue]:
    ctx = b.context(rules=Rules.model_validate(rules), regions=REGIONS, line_effectivity=True)
    return validate(package, ctx)


# --- required attributes ---------------------------------------------------------------------

EU_COMPLIANCE = {"regions": {"EU": {"required_attributes": ["rohs", "reach"]}}}


def test_an_eu_plant_requires_rohs_and_reach_the_us_plant_does_not() -> None:
    package = b.package(plants=BOTH, items=[b.item("A", attributes={"rohs": True})])

    (problem,) = issues_of(package, **EU_COMPLIANCE)

    assert (problem.code, problem.object_key, problem.plant) == (
        "PLMSYNC-ITEM-ATTRIBUTE-MISSING",
        "A",
        "DE01",
    )
    assert problem.message == (
        "item A rev A lacks reach (missing or not true), required for DE01 by "
        "regions.EU.required_attributes[0]"
    )


def test_every_missing_attribute_of_an_item_is_named_in_one_issue_per_plant() -> None:
    package = b.package(plants=BOTH, items=[b.item("A")])
    everywhere = {**EU_COMPLIANCE, "required_attributes": ["ce"]}

    problems = issues_of(package, **everywhere)

    assert [(i.plant, i.message.split(" (")[0]) for i in problems] == [
        ("DE01", "item A rev A lacks ce, rohs, reach"),
        ("US01", "item A rev A lacks ce"),
    ]


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (True, True),
        ("yes", True),
        ("Compliant", True),
        (1, True),
        (False, False),
        ("No", False),
        ("false", False),
        (" 0 ", False),
        ("", False),
        (None, False),
        (0, False),
    ],
)
def test_required_attributes_must_be_truthy(value: Any, ok: bool) -> None:
    assert is_truthy(value) is ok


def test_requirements_can_be_limited_to_item_types_and_to_one_plant() -> None:
    package = b.package(
        plants=BOTH,
        items=[
            b.item("PART"),
            b.item("ASSY", item_type="assembly"),
            b.item("OIL", item_type="raw_material"),
        ],
    )
    limited = {
        "plants": {
            "DE01": {
                "required_attributes": [{"attributes": ["msds"], "item_types": ["raw_material"]}]
            }
        }
    }

    assert found(package, **limited) == [("PLMSYNC-ITEM-ATTRIBUTE-MISSING", "OIL", "DE01")]


def test_an_item_withheld_by_export_control_is_not_asked_for_that_plants_attributes() -> None:
    package = b.package(plants=BOTH, items=[b.item("A", attributes={"export_control": "5A002"})])

    assert found(package, **EU_COMPLIANCE, export_control={"excluded_regions": ["EU"]}) == [
        ("PLMSYNC-EXPORT-CONTROL", "A", "DE01")
    ]


def test_plants_the_change_does_not_name_or_nobody_configured_are_not_checked() -> None:
    package = b.package(plants=(b.plant("US01"), b.plant("XX99")), items=[b.item("A")])

    assert found(package, **EU_COMPLIANCE) == [("PLMSYNC-PLANT-UNKNOWN", "XX99", "XX99")]


# --- export control --------------------------------------------------------------------------


def test_export_control_is_reported_per_excluded_plant_and_does_not_block_validation() -> None:
    package = b.package(
        plants=BOTH,
        items=[
            b.item("A", attributes={"export_control": "5A002"}),
            b.item("B", attributes={"export_control": "EAR99"}),
        ],
    )

    (problem,) = issues_of(package, export_control={"excluded_plants": ["DE01"]})

    assert (problem.code, problem.object_key, problem.plant) == (
        "PLMSYNC-EXPORT-CONTROL",
        "A",
        "DE01",
    )
    assert problem.severity is Severity.WARNING and not problem.blocking
    assert "5A002" in problem.message and "export_control.excluded_plants" in problem.message


def test_a_custom_classification_attribute() -> None:
    package = b.package(plants=BOTH, items=[b.item("A", attributes={"eccn": "3A001"})])

    assert found(package, export_control={"attribute": "eccn", "excluded_plants": ["US01"]}) == [
        ("PLMSYNC-EXPORT-CONTROL", "A", "US01")
    ]


# --- plant substitutes -----------------------------------------------------------------------


def assembly_of(*boms: dict[str, Any], items: tuple[str, ...] = ("A", "B")) -> ChangePackage:
    return b.package(plants=BOTH, items=[b.item(n) for n in items], boms=list(boms))


def test_a_substitute_must_exist_in_the_package_or_in_erp() -> None:
    substituting = {"regions": {"EU": {"substitutions": [{"replace": "B", "by": "B-EU"}]}}}
    package = assembly_of(b.components("A", "B"))

    assert found(package, **substituting) == [("PLMSYNC-SUBSTITUTE-MISSING", "A#10", "DE01")]
    ctx = b.context(
        rules=Rules.model_validate(substituting), regions=REGIONS, known_items={"B-EU": "EA"}
    )
    assert validate(package, ctx) == []


def test_a_plm_substitute_a_plant_uses_must_exist_too() -> None:
    line = b.line(10, "B", substitutes=[{"component": "B-US", "plants": ["US01"]}])
    package = assembly_of(b.bom("A", line))

    using = {"plants": {"US01": {"use_plm_substitutes": True}}}

    assert [c for c, _, _ in found(package, **using)] == [
        "PLMSYNC-SUBSTITUTES-UNSUPPORTED",
        "PLMSYNC-SUBSTITUTE-MISSING",
    ]


def test_a_line_for_another_plant_needs_no_substitute() -> None:
    package = assembly_of(b.bom("A", b.line(10, "B", plants=["US01"])))

    assert (
        found(package, plants={"DE01": {"substitutions": [{"replace": "B", "by": "GHOST"}]}}) == []
    )


# --- effectivity windows ---------------------------------------------------------------------


def windows(*lines: tuple[str, str | None, str | None], **line_fields: Any) -> ChangePackage:
    dated = [
        b.line(10, component, effective_from=start, effective_to=end, **line_fields)
        for component, start, end in lines
    ]
    components = sorted({c for c, _, _ in lines})
    return b.package(
        items=[b.item("A"), *(b.item(c) for c in components)], boms=[b.bom("A", *dated)]
    )


def codes(package: ChangePackage) -> list[str]:
    return [code for code, _, _ in found(package)]


def test_a_line_ending_the_day_the_next_starts_is_seamless() -> None:
    assert codes(windows(("OLD", None, "2026-06-01"), ("NEW", "2026-06-01", None))) == []


def test_three_generations_with_one_gap_and_one_overlap() -> None:
    package = windows(
        ("GEN1", None, "2026-06-01"),
        ("GEN2", "2026-06-10", "2026-08-01"),
        ("GEN3", "2026-07-15", None),
    )

    problems = issues_of(package)

    assert [(i.code, i.object_key) for i in problems] == [
        ("PLMSYNC-EFFECTIVITY-OVERLAP", "A#10"),
        ("PLMSYNC-EFFECTIVITY-GAP", "A#10"),
    ]
    assert "GEN2 (2026-06-10 → 2026-08-01) and GEN3 (2026-07-15 → on)" in problems[0].message
    assert "no line is valid from 2026-06-01 until 2026-06-10" in problems[1].message


def test_an_undated_line_overlaps_every_dated_line_of_its_find_number() -> None:
    assert codes(windows(("ALWAYS", None, None), ("LATER", "2026-06-01", None))) == [
        "PLMSYNC-EFFECTIVITY-OVERLAP"
    ]


def test_lines_for_different_plants_never_conflict() -> None:
    package = b.package(
        items=[b.item(n) for n in ("A", "US", "DE")],
        boms=[
            b.bom(
                "A",
                b.line(10, "US", plants=["US01"], effective_from="2026-05-01"),
                b.line(10, "DE", plants=["DE01"], effective_from="2026-06-01"),
            )
        ],
    )

    assert codes(package) == []


def test_an_empty_window_is_a_range_error_not_also_an_overlap() -> None:
    package = windows(("OLD", None, "2026-06-01"), ("BAD", "2026-07-01", "2026-06-01"))

    assert codes(package) == ["PLMSYNC-EFFECTIVITY-RANGE"]


def test_undated_lines_sharing_a_find_number_are_still_duplicates() -> None:
    package = b.package(
        items=[b.item(n) for n in ("A", "B", "C")],
        boms=[b.bom("A", b.line(10, "B"), b.line(10, "C"))],
    )

    assert codes(package) == ["PLMSYNC-BOM-DUPLICATE-FIND-NUMBER"]


# --- lifecycle transitions -------------------------------------------------------------------


def affecting(item: dict[str, Any], before: str | None, after: str | None) -> ChangePackage:
    return b.package(items=[item], affected=[b.affected(item["number"], before, after)])


@pytest.mark.parametrize(
    ("item", "before", "after"),
    [
        (b.item("A", "B"), "A", "B"),
        (b.item("A", "A"), None, "A"),  # first release
        (b.item("A", "B", lifecycle_state="obsolete"), "B", "B"),  # obsoleting, no new revision
        (b.item("A", "B", lifecycle_state="superseded"), "B", None),
        (b.item("A", "10"), "9", "10"),
        (b.item("A", "AA"), "Z", "AA"),
        (b.item("A", "A"), "02", "A"),  # prototypes before production
    ],
)
def test_valid_transitions(item: dict[str, Any], before: str | None, after: str | None) -> None:
    assert found(affecting(item, before, after)) == []


def test_an_affected_item_outside_the_package_is_only_checked_for_direction() -> None:
    package = b.package(items=[b.item("A")], affected=[b.affected("ELSEWHERE", "C", "B")])

    assert found(package) == [("PLMSYNC-LIFECYCLE-REVISION-BACKWARDS", "ELSEWHERE", "")]


def test_a_superseded_item_gaining_a_revision_is_refused() -> None:
    package = affecting(b.item("A", "C", lifecycle_state="superseded"), "B", "C")

    assert codes(package) == ["PLMSYNC-LIFECYCLE-OBSOLETE"]
