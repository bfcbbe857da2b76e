"""diff: one step per object the package speaks for; anything else in ERP is left alone."""

from __future__ import annotations

from decimal import Decimal

from plmsync.domain.plan import Action, LineChange, Step
from plmsync.domain.state import ObjectKind, TargetState
from plmsync.pipeline.derive import derive
from plmsync.pipeline.diff import diff, line_changes
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


def only_step(desired: TargetState, actual: TargetState) -> Step:
    (step,) = diff(desired, actual)
    return step


def actions(steps: list[Step]) -> dict[tuple[ObjectKind, str], Action]:
    return {(s.kind, s.key): s.action for s in steps}


# --- create / update / unchanged -------------------------------------------------------------


def test_everything_is_created_in_an_empty_erp() -> None:
    desired = derive(b.example_package(), b.at("US01"))

    steps = diff(desired, TargetState())

    assert {s.action for s in steps} == {Action.CREATE}
    assert len(steps) == 7 + 2 + 1 + 1 + 1
    assert all(s.current is None and s.desired is not None for s in steps)


def test_a_created_bom_lists_every_line_as_added() -> None:
    bom = bom_record("A", line_record(10, "B"), line_record(20, "C", "2"))

    step = only_step(state(bom), TargetState())

    assert [(c.find_number, c.change, c.before) for c in step.line_changes] == [
        (10, "added", None),
        (20, "added", None),
    ]
    assert [c.after for c in step.line_changes] == list(bom.lines)


def test_an_item_with_a_new_name_is_updated_naming_the_field() -> None:
    step = only_step(state(item_record("A", name="Pump, gear")), state(item_record("A")))

    assert (step.action, step.changed_fields) == (Action.UPDATE, ("name",))
    assert step.current == item_record("A")
    assert step.line_changes == ()


def test_every_changed_field_is_named_in_declaration_order() -> None:
    wanted = item_record("A", "B", uom="KG", description="new")

    step = only_step(state(wanted), state(item_record("A")))

    assert step.changed_fields == ("revision", "uom", "description")


def test_an_item_revision_is_updated_in_place() -> None:
    step = only_step(state(item_record("A", "B")), state(item_record("A", "A")))

    assert (step.action, step.changed_fields) == (Action.UPDATE, ("revision",))


def test_an_equal_record_is_unchanged() -> None:
    records = (
        item_record("A"),
        assembly_record("A", "B"),
        routing_record("A"),
        document_record("A", "DRW-1"),
        source_record("A"),
    )

    steps = diff(state(*records), state(*records))

    assert {s.action for s in steps} == {Action.UNCHANGED}
    assert len(steps) == 5
    assert all(s.changed_fields == () and s.line_changes == () for s in steps)


def test_quantities_equal_in_value_are_unchanged() -> None:
    desired = state(bom_record("A", line_record(10, "B", "1.0")))
    actual = state(bom_record("A", line_record(10, "B", "1")))

    assert only_step(desired, actual).action is Action.UNCHANGED


# --- revisioned kinds -------------------------------------------------------------------------


def test_a_new_bom_revision_supersedes_the_one_in_use() -> None:
    old = assembly_record("A", "B", "C", revision="A")
    new = bom_record("A", line_record(10, "B"), line_record(30, "D"), revision="B")

    step = only_step(state(new), state(old))

    assert step.action is Action.SUPERSEDE
    assert (step.desired, step.current) == (new, old)
    assert step.changed_fields == ("revision", "lines")
    assert [(c.find_number, c.change) for c in step.line_changes] == [
        (20, "removed"),
        (30, "added"),
    ]


def test_a_new_bom_revision_with_the_same_lines_still_supersedes() -> None:
    step = only_step(
        state(assembly_record("A", "B", revision="B")),
        state(assembly_record("A", "B", revision="A")),
    )

    assert (step.action, step.changed_fields, step.line_changes) == (
        Action.SUPERSEDE,
        ("revision",),
        (),
    )


def test_same_bom_revision_with_changed_lines_is_an_update_listing_line_changes() -> None:
    before = bom_record("A", line_record(10, "B"), line_record(20, "C", "2"), line_record(30, "D"))
    after = bom_record("A", line_record(10, "B"), line_record(20, "C", "3"), line_record(40, "E"))

    step = only_step(state(after), state(before))

    assert (step.action, step.changed_fields) == (Action.UPDATE, ("lines",))
    assert step.line_changes == (
        LineChange(20, "changed", before.lines[1], after.lines[1]),
        LineChange(30, "removed", before.lines[2], None),
        LineChange(40, "added", None, after.lines[2]),
    )


def test_lines_are_matched_by_find_number_not_by_position_or_component() -> None:
    before = (line_record(10, "B"), line_record(20, "C"))
    after = (line_record(20, "X"), line_record(10, "B"))

    assert [(c.find_number, c.change) for c in line_changes(before, after)] == [(20, "changed")]


def test_a_changed_reference_designator_is_a_changed_line() -> None:
    before = (line_record(10, "R-10K", "2", "R1", "R2"),)
    after = (line_record(10, "R-10K", "2", "R1", "R3"),)

    (change,) = line_changes(before, after)

    assert (change.change, change.after) == ("changed", after[0])


def test_routing_and_document_revisions_supersede() -> None:
    desired = state(routing_record("A", "B"), document_record("A", "DRW-1", "C"))
    actual = state(routing_record("A", "A"), document_record("A", "DRW-1", "B"))

    assert actions(diff(desired, actual)) == {
        (ObjectKind.ROUTING, "A"): Action.SUPERSEDE,
        (ObjectKind.DOCUMENT, "A/DRW-1"): Action.SUPERSEDE,
    }


def test_a_routing_changed_within_its_revision_is_updated() -> None:
    step = only_step(
        state(routing_record("A", "A", "WC-1", "WC-2")), state(routing_record("A", "A", "WC-1"))
    )

    assert (step.action, step.changed_fields) == (Action.UPDATE, ("operations",))


# --- retirements: only for items the package speaks for --------------------------------------


def test_a_source_dropped_for_an_item_spoken_for_is_retired() -> None:
    kept, dropped = source_record("B", "ACME"), source_record("B", "GLOBEX")

    steps = diff(state(kept), state(kept, dropped))

    assert actions(steps) == {
        (ObjectKind.SOURCE, kept.key): Action.UNCHANGED,
        (ObjectKind.SOURCE, dropped.key): Action.RETIRE,
    }
    retire = next(s for s in steps if s.action is Action.RETIRE)
    assert (retire.desired, retire.current) == (None, dropped)


def test_a_document_dropped_for_an_item_spoken_for_is_retired() -> None:
    desired = state(document_record("A", "DRW-2"))
    actual = state(document_record("A", "DRW-1"), document_record("A", "DRW-2"))

    assert actions(diff(desired, actual)) == {
        (ObjectKind.DOCUMENT, "A/DRW-2"): Action.UNCHANGED,
        (ObjectKind.DOCUMENT, "A/DRW-1"): Action.RETIRE,
    }


def test_sources_and_documents_of_other_items_are_untouched() -> None:
    desired = state(source_record("B", "ACME"), document_record("A", "DRW-1"))
    actual = state(
        source_record("Z", "ACME"), document_record("Z", "DRW-9"), document_record("B", "DRW-1")
    )  # B has documents, but the package sends none

    steps = diff(desired, actual)

    assert {(s.key, s.action) for s in steps} == {
        ("B/ACME/MPN-B", Action.CREATE),
        ("A/DRW-1", Action.CREATE),
    }


def test_erp_records_of_other_items_are_untouched() -> None:
    desired = state(item_record("A"), assembly_record("A", "B"), routing_record("A"))
    actual = state(
        item_record("A"),
        item_record("OTHER"),
        assembly_record("OTHER", "X"),
        routing_record("OTHER"),
        assembly_record("A", "B"),
        routing_record("A"),
    )

    steps = diff(desired, actual)

    assert {s.key for s in steps} == {"A"}
    assert {s.action for s in steps} == {Action.UNCHANGED}


def test_items_boms_and_routings_are_never_retired() -> None:
    actual = state(
        item_record("A"), item_record("GONE"), assembly_record("GONE", "A"), routing_record("GONE")
    )

    assert diff(state(item_record("A")), actual) == [
        Step(ObjectKind.ITEM, Action.UNCHANGED, "A", item_record("A"), item_record("A"))
    ]


def test_retirement_is_per_kind() -> None:
    """A document of B does not make the package speak for B's sources."""
    desired = state(document_record("B", "DRW-1"))
    actual = state(document_record("B", "DRW-1"), source_record("B", "ACME"))

    assert actions(diff(desired, actual)) == {(ObjectKind.DOCUMENT, "B/DRW-1"): Action.UNCHANGED}


def test_nothing_to_compare_gives_no_steps() -> None:
    assert diff(TargetState(), state(item_record("A"), source_record("A"))) == []


def test_decimal_quantities_survive_the_diff_exactly() -> None:
    step = only_step(state(bom_record("A", line_record(10, "B", "0.05"))), TargetState())

    (change,) = step.line_changes
    assert change.after is not None and change.after.quantity == Decimal("0.05")


def test_disqualifying_the_only_source_of_an_item_retires_it_in_erp() -> None:
    package = b.package(
        items=[b.item("B")], sources=[b.sourcing("B", "ACME", "M-1", status="disqualified")]
    )
    actual = state(item_record("B"), source_record("B", "ACME", "M-1"))

    steps = diff(derive(package, b.at()), actual)

    assert actions(steps) == {
        (ObjectKind.ITEM, "B"): Action.UNCHANGED,
        (ObjectKind.SOURCE, "B/ACME/M-1"): Action.RETIRE,
    }
