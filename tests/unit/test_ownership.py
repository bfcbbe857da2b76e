"""Attribute ownership: plmsync writes only what it owns; ERP-owned fields keep ERP's value."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from plmsync.domain.ownership import RECORD_FIELDS, protect, review_fields, writable_fields
from plmsync.domain.plan import Action
from plmsync.domain.rules import DEFAULT_RULES, Rules
from plmsync.domain.state import ObjectKind, TargetState, state_of
from plmsync.pipeline.derive import derive
from plmsync.pipeline.diff import diff
from plmsync.pipeline.plan import plan
from plmsync.testing.packages import US01, release_package
from tests.unit import builders as b


def owning(**ownership: Any) -> Rules:
    return Rules.model_validate({"ownership": ownership})


ERP_DESCRIPTION = owning(item={"description": "erp"})


def test_by_default_every_recorded_field_is_writable() -> None:
    for kind in ObjectKind:
        assert writable_fields(kind) == frozenset(RECORD_FIELDS[kind])


@pytest.mark.parametrize(
    ("entry", "writable"),
    [
        ("plm", True),
        ("erp", False),
        ({"owner": "shared", "policy": "plm-wins"}, True),
        ({"owner": "shared", "policy": "review"}, True),  # written; its drift is reviewed
        ({"owner": "shared", "policy": "erp-wins"}, False),
    ],
)
def test_who_may_write_a_field(entry: Any, writable: bool) -> None:
    rules = owning(item={"description": entry})

    assert ("description" in writable_fields(ObjectKind.ITEM, rules)) is writable


def test_review_fields_are_the_shared_ones_with_a_review_policy() -> None:
    rules = owning(item={"safety_stock": {"owner": "shared", "policy": "review"}, "name": "plm"})

    assert review_fields(ObjectKind.ITEM, rules) == {"safety_stock"}
    assert review_fields(ObjectKind.ITEM) == frozenset()


# --- diff never changes an ERP-owned field ---------------------------------------------------


def test_an_erp_owned_description_edited_in_erp_is_no_change() -> None:
    desired = b.state(b.item_record("A", description="from PLM"))
    actual = b.state(b.item_record("A", description="edited in ERP"))

    (step,) = diff(desired, actual, ERP_DESCRIPTION)

    assert step.action is Action.UNCHANGED
    assert step.desired == b.item_record("A", description="edited in ERP")


def test_the_same_difference_is_an_update_when_plm_owns_it() -> None:
    desired = b.state(b.item_record("A", description="from PLM"))
    actual = b.state(b.item_record("A", description="edited in ERP"))

    (step,) = diff(desired, actual)

    assert (step.action, step.changed_fields) == (Action.UPDATE, ("description",))


def test_changed_fields_list_only_writable_fields_and_the_posted_record_keeps_erp_values() -> None:
    desired = b.state(b.item_record("A", "B", name="New name", description="from PLM"))
    actual = b.state(b.item_record("A", "A", name="Old name", description="edited in ERP"))

    (step,) = diff(desired, actual, ERP_DESCRIPTION)

    assert (step.action, step.changed_fields) == (Action.UPDATE, ("revision", "name"))
    assert step.desired == b.item_record("A", "B", name="New name", description="edited in ERP")


def test_a_new_item_gets_an_empty_erp_owned_description_for_the_erp_to_fill() -> None:
    (step,) = diff(
        b.state(b.item_record("A", description="from PLM")), TargetState(), ERP_DESCRIPTION
    )

    assert step.action is Action.CREATE
    assert step.desired == b.item_record("A", description="")


def test_a_required_erp_owned_field_is_seeded_once_then_left_to_the_erp() -> None:
    rules = owning(item={"name": "erp"})

    (created,) = diff(b.state(b.item_record("A", name="PLM name")), TargetState(), rules)
    (later,) = diff(
        b.state(b.item_record("A", name="PLM renamed")),
        b.state(b.item_record("A", name="ERP name")),
        rules,
    )

    assert created.desired == b.item_record("A", name="PLM name")
    assert later.action is Action.UNCHANGED


def test_protect_returns_the_record_itself_when_everything_is_writable() -> None:
    record = b.item_record("A")

    assert protect(record, None, writable_fields(ObjectKind.ITEM)) is record


def test_plan_takes_ownership_from_the_rules() -> None:
    desired = b.state(b.item_record("A", description="from PLM"))
    actual = b.state(b.item_record("A", description="edited in ERP"))

    assert plan("ECO-1", "US01", desired, actual, rules=ERP_DESCRIPTION).is_empty
    assert not plan("ECO-1", "US01", desired, actual).is_empty


def test_a_resynced_release_converges_while_erp_keeps_its_own_descriptions() -> None:
    """Post a release, let an ERP user edit a description, derive again: nothing to post."""
    desired = derive(release_package(), US01)
    created = plan("R", "US01", desired, TargetState(), rules=ERP_DESCRIPTION)
    in_erp = state_of([s.desired for s in created.actionable if s.desired is not None])
    in_erp.items["GR-401"] = replace(in_erp.items["GR-401"], description="Zahnrad, gehärtet")

    again = plan("R", "US01", desired, in_erp, rules=ERP_DESCRIPTION)

    assert again.is_empty
    (gear,) = [s for s in again.steps if s.key == "GR-401" and s.kind is ObjectKind.ITEM]
    assert gear.desired == in_erp.items["GR-401"]


def test_default_rules_are_the_default_argument() -> None:
    desired = b.state(b.item_record("A", description="x"))

    assert diff(desired, TargetState()) == diff(desired, TargetState(), DEFAULT_RULES)
