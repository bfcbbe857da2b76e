"""Approval checkpoints: what holds a change for a person, why, and who decides."""

from __future__ import annotations

from typing import Any

from plmsync.domain.drift import ErpDrift
from plmsync.domain.package import ChangePackage
from plmsync.domain.plan import Plan
from plmsync.domain.rules import DEFAULT_RULES, CheckpointName, Rules
from plmsync.domain.state import ObjectKind, TargetState
from plmsync.pipeline.checkpoints import CheckpointHit, checkpoint_hits
from plmsync.pipeline.derive import PlantContext, derive
from plmsync.pipeline.plan import plan
from plmsync.pipeline.validate import validate
from tests.unit import builders as b

REGIONS = {"US01": "NA", "DE01": "EU"}
BOTH = (b.plant("US01"), b.plant("DE01"))
COMPLIANT = {"rohs": True, "reach": True}


def rules(**data: Any) -> Rules:
    return Rules.model_validate(data)


def plans_onto(
    package: ChangePackage, rules_: Rules, actual: TargetState | None = None
) -> dict[str, Plan]:
    """The plan of every plant of the change against one ERP state (empty by default)."""
    result = {}
    for p in package.change.plants:
        desired = derive(package, PlantContext(p.plant, REGIONS[p.plant], p.effective_from), rules_)
        result[p.plant] = plan("ECO-1", p.plant, desired, actual or TargetState(), rules=rules_)
    return result


def hits(
    package: ChangePackage, rules_: Rules = DEFAULT_RULES, **kwargs: Any
) -> list[CheckpointHit]:
    plans = kwargs.pop("plans", None)
    if plans is None:
        plans = plans_onto(package, rules_)
    return checkpoint_hits(package, plans, rules_, regions=REGIONS, **kwargs)


# --- a standard change -----------------------------------------------------------------------


def test_a_standard_change_hits_no_checkpoint() -> None:
    assert hits(b.example_package()) == []


def test_a_standard_change_hits_none_even_with_every_checkpoint_on() -> None:
    strict = rules(checkpoints={"supplier_change": True, "quantity_change_above_pct": 10})

    assert hits(b.example_package(), strict) == []


# --- export control: stopped for the excluded plant with one hit ------------------------------


def controlled() -> ChangePackage:
    return b.package(
        plants=BOTH,
        items=[
            b.item("TOP", item_type="assembly"),
            b.item("CRYPTO", attributes={"export_control": "5A002"}),
        ],
        boms=[b.components("TOP", "CRYPTO")],
    )


EXCLUDE_DE01 = rules(export_control={"excluded_plants": ["DE01"]})


def test_an_export_controlled_item_is_stopped_for_the_excluded_plant_with_one_hit() -> None:
    package = controlled()
    issues = validate(package, b.context(rules=EXCLUDE_DE01, regions=REGIONS))

    found = hits(package, EXCLUDE_DE01)

    assert [(i.code, i.object_key, i.plant) for i in issues] == [
        ("PLMSYNC-EXPORT-CONTROL", "CRYPTO", "DE01")
    ]
    assert found == [
        CheckpointHit(
            CheckpointName.EXPORT_CONTROL_HIT,
            "CRYPTO is export-controlled (5A002) and withheld from DE01 by "
            "export_control.excluded_plants",
            {"item": "CRYPTO", "classification": "5A002", "rule": "export_control.excluded_plants"},
            "trade_compliance",
            "DE01",
        )
    ]
    de01 = plans_onto(package, EXCLUDE_DE01)["DE01"]
    assert [s.key for s in de01.steps] == ["TOP", "TOP"]  # the item and its BOM, no CRYPTO


def test_the_export_checkpoint_can_be_turned_off() -> None:
    off = rules(
        export_control={"excluded_plants": ["DE01"]}, checkpoints={"export_control_hit": False}
    )

    assert hits(controlled(), off) == []


# --- substitutions that change a compliance attribute ------------------------------------------


def board(
    substitute_attributes: dict[str, Any] | None, *, second_parent: bool = False
) -> ChangePackage:
    items = [b.item("PCB", item_type="assembly"), b.item("PCB2", item_type="assembly")]
    items.append(b.item("CAP", attributes=COMPLIANT))
    if substitute_attributes is not None:
        items.append(b.item("CAP-EU", attributes=substitute_attributes))
    boms = [b.components("PCB", "CAP")] + ([b.components("PCB2", "CAP")] if second_parent else [])
    return b.package(plants=BOTH, items=items, boms=boms)


EU_CAP = rules(
    regions={"EU": {"substitutions": [{"replace": "CAP", "by": "CAP-EU", "name": "eu-cap"}]}}
)


def test_a_substitution_that_changes_a_compliance_attribute_hits_exactly_once() -> None:
    (hit,) = hits(board({"rohs": True}, second_parent=True), EU_CAP)

    assert hit.rule is CheckpointName.SUBSTITUTION_CHANGES_COMPLIANCE
    assert hit.plant == "DE01"
    assert hit.owner_role == "compliance"
    assert hit.values == {
        "rule": "regions.EU.substitutions[0] (eu-cap)",
        "component": "CAP",
        "substitute": "CAP-EU",
        "lines": "PCB#10, PCB2#10",
        "reach": "yes → missing",
    }
    assert "changing reach" in hit.reason


def test_a_substitution_keeping_compliance_hits_nothing() -> None:
    assert hits(board({"rohs": "Yes", "reach": True}), EU_CAP) == []


def test_a_substitute_whose_attributes_nobody_can_see_is_held() -> None:
    package = board(None)  # CAP-EU only in ERP: its attributes are unknown
    (hit,) = hits(package, EU_CAP, plans={})

    assert hit.values["rohs"] == "yes → unknown"


def test_which_attributes_count_as_compliance_is_configurable() -> None:
    lenient = rules(
        regions={"EU": {"substitutions": [{"replace": "CAP", "by": "CAP-EU"}]}},
        checkpoints={"compliance_attributes": ["rohs"]},
    )

    assert hits(board({"rohs": True}), lenient) == []


# --- changes compared with ERP: suppliers and quantities ---------------------------------------


def sourced(*suppliers: str) -> ChangePackage:
    return b.package(items=[b.item("GEAR")], sources=[b.sourcing("GEAR", s) for s in suppliers])


SUPPLIERS = rules(checkpoints={"supplier_change": True})


def test_a_changed_approved_supplier_hits_once_per_item() -> None:
    in_erp = b.state(
        b.item_record("GEAR"), b.source_record("GEAR", "ACME"), b.source_record("GEAR", "OLD")
    )
    package = sourced("ACME", "NEW")

    (hit,) = hits(package, SUPPLIERS, plans=plans_onto(package, SUPPLIERS, in_erp))

    assert (hit.rule, hit.plant, hit.owner_role) == (
        CheckpointName.SUPPLIER_CHANGE,
        "US01",
        "purchasing",
    )
    assert hit.values == {"item": "GEAR", "added": "NEW", "removed": "OLD"}


def test_a_new_items_first_suppliers_are_part_of_its_release() -> None:
    assert hits(sourced("ACME", "NEW"), SUPPLIERS) == []


def test_supplier_changes_are_not_held_by_default() -> None:
    in_erp = b.state(b.item_record("GEAR"), b.source_record("GEAR", "OLD"))
    package = sourced("NEW")

    assert hits(package, plans=plans_onto(package, DEFAULT_RULES, in_erp)) == []


def screws(quantity: str) -> ChangePackage:
    return b.package(
        items=[b.item("A", "B"), b.item("SCREW")],
        boms=[b.bom("A", b.line(10, "SCREW", quantity), revision="B")],
    )


IN_ERP = b.state(
    b.item_record("A"), b.item_record("SCREW"), b.bom_record("A", b.line_record(10, "SCREW", "6"))
)
QUANTITY_25 = rules(checkpoints={"quantity_change_above_pct": 25})


def test_a_quantity_change_above_the_percentage_hits() -> None:
    package = screws("8")

    (hit,) = hits(package, QUANTITY_25, plans=plans_onto(package, QUANTITY_25, IN_ERP))

    assert hit.rule is CheckpointName.QUANTITY_CHANGE_ABOVE_PCT
    assert hit.values == {
        "bom": "A",
        "find_number": "10",
        "component": "SCREW",
        "quantity": "6 → 8",
        "change_pct": "33.3",
    }


def test_a_quantity_change_within_the_percentage_does_not() -> None:
    package = screws("7")

    assert hits(package, QUANTITY_25, plans=plans_onto(package, QUANTITY_25, IN_ERP)) == []


def test_quantity_changes_are_not_held_by_default() -> None:
    package = screws("60")

    assert hits(package, plans=plans_onto(package, DEFAULT_RULES, IN_ERP)) == []


# --- drift in ERP -----------------------------------------------------------------------------


def renamed() -> ChangePackage:
    return b.package(items=[b.item("A", name="New name")])


def drift_on(attribute: str) -> ErpDrift:
    return ErpDrift("US01", ObjectKind.ITEM, "A", attribute, synced="Item A", in_erp="Edited")


def test_drift_on_an_attribute_the_change_writes_is_a_conflict() -> None:
    in_erp = b.state(b.item_record("A", name="Edited"))
    package = renamed()

    (hit,) = hits(
        package, plans=plans_onto(package, DEFAULT_RULES, in_erp), drift=[drift_on("name")]
    )

    assert (hit.rule, hit.plant, hit.owner_role) == (
        CheckpointName.ERP_DRIFT_CONFLICT,
        "US01",
        "integration_admin",
    )
    assert hit.values["attribute"] == "name"


def test_drift_on_an_attribute_the_change_leaves_alone_is_no_conflict() -> None:
    in_erp = b.state(b.item_record("A", name="Edited"))
    package = renamed()

    assert (
        hits(
            package,
            plans=plans_onto(package, DEFAULT_RULES, in_erp),
            drift=[drift_on("description")],
        )
        == []
    )


def test_without_a_plan_drift_on_any_object_of_the_change_is_a_conflict() -> None:
    assert len(hits(renamed(), plans={}, drift=[drift_on("description")])) == 1
    elsewhere = ErpDrift("US01", ObjectKind.ITEM, "OTHER", "name", "x", "y")
    assert hits(renamed(), plans={}, drift=[elsewhere]) == []


# --- the whole ----------------------------------------------------------------------------------


def test_owners_are_configurable_and_hits_come_in_a_stable_order() -> None:
    configured = rules(
        regions={"EU": {"substitutions": [{"replace": "CAP", "by": "CAP-EU"}]}},
        export_control={"excluded_plants": ["US01"]},
        checkpoints={"owners": {"substitution_changes_compliance": "eu-compliance"}},
    )
    package = board({"rohs": False, "reach": True, "export_control": "3A001"})

    found = hits(package, configured)

    assert [(h.rule, h.plant, h.owner_role) for h in found] == [
        (CheckpointName.SUBSTITUTION_CHANGES_COMPLIANCE, "DE01", "eu-compliance"),
        (CheckpointName.EXPORT_CONTROL_HIT, "US01", "trade_compliance"),
    ]
    assert found == hits(package, configured)


def test_with_plans_only_their_plants_are_looked_at() -> None:
    package = board({"rohs": True})
    us_only = {"US01": plans_onto(package, EU_CAP)["US01"]}

    assert hits(package, EU_CAP, plans=us_only) == []
    assert len(hits(package, EU_CAP, plans={})) == 1  # DE01 too
