"""plan: the diff in an order an ERP can post, with stable idempotency keys."""

from __future__ import annotations

from dataclasses import replace

from plmsync.domain.issues import issue
from plmsync.domain.plan import Action, Plan, Step, fingerprint
from plmsync.domain.state import ItemRecord, ObjectKind, Record, TargetState
from plmsync.pipeline.derive import derive
from plmsync.pipeline.plan import bom_levels, plan
from tests.unit import builders as b
from tests.unit.builders import (
    assembly_record,
    bom_record,
    document_record,
    item_record,
    line_record,
    routing_record,
    source_record,
    state,
)

KIND_ORDER = list(ObjectKind)


def order(p: Plan) -> list[tuple[ObjectKind, str]]:
    return [(s.kind, s.key) for s in p.steps]


def keys_of(p: Plan, kind: ObjectKind) -> list[str]:
    return [s.key for s in p.steps if s.kind is kind]


def example_plan(actual: TargetState | None = None, plant: str = "US01") -> Plan:
    desired = derive(b.example_package(), b.at(plant))
    return plan("REL-0007", plant, desired, actual or TargetState())


# A six-level product whose names sort against the build order, so that only real dependency
# ordering (never alphabetical luck) puts components first:
#   A-PUMP → B-MODULE → C-UNIT → D-GROUP → E-PART-SET → F-BLANK (+ a shared Z-SCREW and
#   a diamond through B-MODULE and C-UNIT onto D-GROUP).
SIX_LEVELS = {
    "A-PUMP": ("B-MODULE", "C-UNIT", "Z-SCREW"),
    "B-MODULE": ("C-UNIT", "D-GROUP"),
    "C-UNIT": ("D-GROUP", "Z-SCREW"),
    "D-GROUP": ("E-PART-SET",),
    "E-PART-SET": ("F-BLANK", "Z-SCREW"),
    "F-BLANK": ("G-BAR-STOCK",),
}
BUILD_ORDER = [
    "G-BAR-STOCK",
    "Z-SCREW",
    "F-BLANK",
    "E-PART-SET",
    "D-GROUP",
    "C-UNIT",
    "B-MODULE",
    "A-PUMP",
]


def six_levels() -> TargetState:
    numbers = {*SIX_LEVELS, *(c for kids in SIX_LEVELS.values() for c in kids)}
    return state(
        *(item_record(n) for n in sorted(numbers)),
        *(assembly_record(parent, *kids) for parent, kids in SIX_LEVELS.items()),
    )


# --- ordering --------------------------------------------------------------------------------


def test_kinds_are_posted_items_boms_routings_documents_sources() -> None:
    p = example_plan()

    kinds = [s.kind for s in p.steps]
    assert kinds == sorted(kinds, key=KIND_ORDER.index)
    assert [k for n, k in enumerate(kinds) if n == 0 or kinds[n - 1] != k] == KIND_ORDER


def test_kind_order_holds_for_every_action() -> None:
    desired = state(
        item_record("A", name="new"),
        assembly_record("A", "B", revision="B"),
        routing_record("A"),
        document_record("A", "DRW-2"),
        source_record("A"),
    )
    actual = state(
        item_record("A"),
        assembly_record("A", "B"),
        document_record("A", "DRW-1"),
        source_record("A", "OLD"),
    )

    p = plan("ECO-1", "US01", desired, actual)

    assert [(s.kind, s.action) for s in p.steps] == [
        (ObjectKind.ITEM, Action.UPDATE),
        (ObjectKind.BOM, Action.SUPERSEDE),
        (ObjectKind.ROUTING, Action.CREATE),
        (ObjectKind.DOCUMENT, Action.RETIRE),  # A/DRW-1
        (ObjectKind.DOCUMENT, Action.CREATE),  # A/DRW-2
        (ObjectKind.SOURCE, Action.CREATE),  # A/ACME/MPN-A
        (ObjectKind.SOURCE, Action.RETIRE),  # A/OLD/MPN-A
    ]


def test_example_boms_are_posted_child_first() -> None:
    assert keys_of(example_plan(), ObjectKind.BOM) == ["GRS-40", "PMP-40"]


def test_six_level_items_come_components_first() -> None:
    items = keys_of(plan("ECO-1", "US01", six_levels(), TargetState()), ObjectKind.ITEM)

    assert items == BUILD_ORDER


def test_six_level_boms_come_child_first() -> None:
    boms = keys_of(plan("ECO-1", "US01", six_levels(), TargetState()), ObjectKind.BOM)

    assert boms == [n for n in BUILD_ORDER if n in SIX_LEVELS]


def test_bom_levels_count_from_purchased_leaves() -> None:
    assert bom_levels(six_levels()) == {
        "G-BAR-STOCK": 0,
        "Z-SCREW": 0,
        "F-BLANK": 1,
        "E-PART-SET": 2,
        "D-GROUP": 3,
        "C-UNIT": 4,
        "B-MODULE": 5,
        "A-PUMP": 6,
    }


def test_only_the_changed_part_of_a_deep_product_is_planned_still_in_order() -> None:
    desired = six_levels()
    actual = replace(
        desired,
        boms={k: v for k, v in desired.boms.items() if k != "C-UNIT"},
        items={k: v for k, v in desired.items.items() if k != "A-PUMP"},
    )

    p = plan("ECO-1", "US01", desired, actual)

    assert [(s.kind, s.key) for s in p.actionable] == [
        (ObjectKind.ITEM, "A-PUMP"),
        (ObjectKind.BOM, "C-UNIT"),
    ]


def test_a_cycle_does_not_hang_the_planner() -> None:
    desired = state(assembly_record("A", "B"), assembly_record("B", "A"), assembly_record("C", "C"))

    p = plan("ECO-1", "US01", desired, TargetState())

    assert sorted(keys_of(p, ObjectKind.BOM)) == ["A", "B", "C"]


def test_a_deep_chain_is_planned_without_recursion() -> None:
    depth = 2_000
    desired = state(*(assembly_record(f"N{n:05d}", f"N{n + 1:05d}") for n in range(depth)))

    boms = keys_of(plan("ECO-1", "US01", desired, TargetState()), ObjectKind.BOM)

    assert boms == [f"N{n:05d}" for n in reversed(range(depth))]


# --- determinism ----------------------------------------------------------------------------


def test_planning_twice_gives_the_same_plan() -> None:
    assert example_plan() == example_plan()


def test_the_plan_does_not_depend_on_the_order_records_arrive_in() -> None:
    desired = six_levels()
    shuffled = TargetState(
        items=dict(reversed(desired.items.items())), boms=dict(reversed(desired.boms.items()))
    )

    assert order(plan("E", "P", shuffled, TargetState())) == order(
        plan("E", "P", desired, TargetState())
    )


def test_a_plan_carries_its_change_plant_and_warnings() -> None:
    warning = issue("PLMSYNC-SUBSTITUTES-UNSUPPORTED", "not posted", "bom_line", "A#10")

    p = plan("ECO-1", "DE01", state(item_record("A")), TargetState(), [warning])

    assert (p.change, p.plant, p.warnings) == ("ECO-1", "DE01", (warning,))


def test_a_plan_of_what_erp_already_holds_is_empty() -> None:
    desired = derive(b.example_package(), b.at("US01"))

    p = plan("REL-0007", "US01", desired, desired)

    assert p.is_empty
    assert p.actionable == ()
    assert p.count(Action.UNCHANGED) == len(p.steps) == 12


def test_counts_by_action() -> None:
    desired = state(item_record("A"), item_record("B", name="new"), source_record("A"))
    actual = state(item_record("A"), item_record("B"), source_record("A", "OLD"))

    p = plan("E", "P", desired, actual)

    assert [p.count(a) for a in Action] == [1, 1, 0, 1, 1]  # create update supersede retire same
    assert not p.is_empty


# --- idempotency keys -----------------------------------------------------------------------


def idempotency_keys(p: Plan) -> list[str]:
    return [s.idempotency_key(p.change, p.plant) for s in p.steps]


def test_idempotency_keys_are_stable_for_equal_input() -> None:
    assert idempotency_keys(example_plan()) == idempotency_keys(example_plan())


def test_idempotency_keys_are_unique_within_a_plan() -> None:
    keys = idempotency_keys(example_plan())

    assert len(set(keys)) == len(keys)
    assert all(len(k) == 32 for k in keys)


def test_idempotency_keys_differ_per_change_and_plant() -> None:
    step = example_plan().steps[0]

    keys = {step.idempotency_key(c, p) for c in ("ECO-1", "ECO-2") for p in ("US01", "DE01")}

    assert len(keys) == 4


def test_a_content_change_changes_only_that_steps_key() -> None:
    before = state(item_record("A"), assembly_record("A", "B"))
    after = state(item_record("A"), bom_record("A", line_record(10, "B", "2")))

    keys_before = idempotency_keys(plan("E", "P", before, TargetState()))
    keys_after = idempotency_keys(plan("E", "P", after, TargetState()))

    assert keys_before[0] == keys_after[0]  # item A
    assert keys_before[1] != keys_after[1]  # BOM of A: quantity 1 → 2


def test_the_same_content_with_another_action_gets_another_key() -> None:
    record = item_record("A")
    create = Step(ObjectKind.ITEM, Action.CREATE, "A", record, None)
    update = Step(ObjectKind.ITEM, Action.UPDATE, "A", record, item_record("A", name="old"))

    assert create.idempotency_key("E", "P") != update.idempotency_key("E", "P")


def test_equal_records_have_equal_fingerprints() -> None:
    """Quantities 1 and 1.0 are the same content: diff calls them unchanged, so a re-sent
    change must not get a new idempotency key (and be posted twice) for them either."""
    one = bom_record("A", line_record(10, "B", "1"), line_record(20, "C", "0.50"))
    same = bom_record("A", line_record(10, "B", "1.000"), line_record(20, "C", "0.5"))

    assert one == same
    assert fingerprint(one) == fingerprint(same)
    assert fingerprint(one) != fingerprint(bom_record("A", line_record(10, "B", "1")))


def test_fingerprints_tell_kinds_and_values_apart() -> None:
    records: list[Record | None] = [
        item_record("A"),
        item_record("B"),
        item_record("A", "B"),
        bom_record("A", line_record(10, "B", "1")),
        bom_record("A", line_record(10, "B", "10")),
        bom_record("A", line_record(10, "B", "0.1")),
        bom_record("A", line_record(10, "B", "-1")),
        document_record("A", "B"),
        source_record("A", "B"),
        None,
    ]

    assert len({fingerprint(r) for r in records}) == len(records)


def test_a_retire_step_is_keyed_by_what_it_retires() -> None:
    one = Step(ObjectKind.SOURCE, Action.RETIRE, "A/X/M", None, source_record("A", "X", "M"))
    other = Step(ObjectKind.SOURCE, Action.RETIRE, "A/Y/M", None, source_record("A", "Y", "M"))

    assert one.idempotency_key("E", "P") != other.idempotency_key("E", "P")


def test_step_revision_comes_from_the_record() -> None:
    step = Step(
        ObjectKind.ITEM, Action.CREATE, "A", ItemRecord("A", "C", "n", "EA", "part", "buy"), None
    )

    assert step.revision == "C"
    assert Step(ObjectKind.SOURCE, Action.CREATE, "k", source_record("A"), None).revision == ""
