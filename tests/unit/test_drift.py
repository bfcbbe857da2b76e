"""Drift found and healed (pure), and records kept as JSON exactly."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from plmsync.domain.codec import kind_of, record_from_json, record_json
from plmsync.domain.plan import Action
from plmsync.domain.rules import Rules
from plmsync.domain.state import OperationRecord, Record, RoutingRecord
from plmsync.pipeline.drift import EXISTS, find_drift, heal_steps, shown
from tests.unit import builders as b

BOM = b.bom_record("P-1", b.line_record(10, "C-1", "0.050", "R1"), b.line_record(20, "C-2"))
RECORDS: list[Record] = [
    b.item_record("P-1", description="Pump"),
    BOM,
    RoutingRecord("P-1", "A", (OperationRecord(10, "Mill", "WC-1", Decimal("1.5"), None),)),
    b.document_record("P-1", "DRW-1"),
    b.source_record("C-1"),
]


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: type(r).__name__)
def test_a_record_comes_back_from_json_equal(record: Record) -> None:
    assert record_from_json(kind_of(record), record_json(record)) == record


def test_what_erp_holds_as_synced_is_no_drift() -> None:
    assert find_drift("US01", RECORDS, b.state(*RECORDS)) == []


def test_drift_is_reported_per_attribute_with_both_values() -> None:
    item = b.item_record("P-1")
    edited = dataclasses.replace(item, name="Edited")
    found = find_drift("US01", [item, BOM], b.state(edited))
    assert [(d.key, d.attribute, d.synced, d.in_erp) for d in found] == [
        ("P-1", "name", "Item P-1", "Edited"),
        ("P-1", EXISTS, "yes", "missing"),  # the BOM is no longer in use
    ]


def test_quantities_that_are_equal_in_value_are_no_drift() -> None:
    synced = b.bom_record("P-1", b.line_record(10, "C-1", "0.050"))
    live = b.bom_record("P-1", b.line_record(10, "C-1", "0.05"))
    assert find_drift("US01", [synced], b.state(live)) == []


def test_erp_owned_attributes_are_never_compared() -> None:
    rules = Rules.model_validate({"ownership": {"item": {"description": "erp"}}})
    item = b.item_record("P-1", description="Pump")
    edited = dataclasses.replace(item, description="Set by the ERP")
    assert find_drift("US01", [item], b.state(edited), rules) == []


def test_heal_puts_plm_values_back_keeps_what_a_person_decides_and_retires_nothing() -> None:
    item = b.item_record("P-1", description="Pump")
    edited = dataclasses.replace(item, name="Edited", description="Edited too")
    extra = b.source_record("P-1", "OTHER")  # bought from someone PLM never listed
    synced_source = b.source_record("P-1")
    live = b.state(edited, extra)
    keep = {("item", "P-1"): ["description"]}
    steps = heal_steps("REL-1", "US01", [item, synced_source], live, keep)
    (heal, create) = steps
    assert (heal.action, heal.changed_fields) == (Action.UPDATE, ("name",))
    assert heal.desired == dataclasses.replace(item, description="Edited too")
    assert (create.action, create.key) == (Action.CREATE, synced_source.key)


def test_values_are_shown_on_one_line() -> None:
    assert shown(BOM.lines) == "10: C-1 × 0.05 EA; 20: C-2 × 1 EA"
    assert shown(Decimal("2.500")) == "2.5"
    assert shown(None) == ""
