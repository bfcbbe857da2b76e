"""Workflow triggers: only configured kinds and states sync; the rest is skipped with a reason."""

from __future__ import annotations

import pytest

from plmsync.domain.package import Change, ChangeKind, ChangeState
from plmsync.domain.rules import Rules
from plmsync.domain.triggers import TriggerDecision, trigger_decision


def change(kind: str, state: str, number: str = "ECO-9") -> Change:
    return Change(number=number, kind=ChangeKind(kind), state=ChangeState(state))


def test_an_eco_in_work_is_skipped_with_the_reason() -> None:
    sync, reason = trigger_decision(change("eco", "in_work"))

    assert sync is False
    assert reason == "eco ECO-9 is in_work; eco changes sync when approved or released"


def test_the_same_eco_approved_flows() -> None:
    decision = trigger_decision(change("eco", "approved"))

    assert decision == TriggerDecision(
        True, "eco ECO-9 is approved; eco changes sync when approved or released"
    )


@pytest.mark.parametrize(
    ("kind", "state", "sync"),
    [
        ("release", "released", True),
        ("release", "approved", False),
        ("eco", "released", True),
        ("eco", "in_review", False),
        ("eco", "cancelled", False),
        ("mco", "approved", True),
        ("mco", "draft", False),
        ("ecr", "approved", False),  # a request is not an order
        ("deviation", "approved", False),
    ],
)
def test_default_triggers(kind: str, state: str, sync: bool) -> None:
    assert trigger_decision(change(kind, state)).sync is sync


def test_a_kind_without_a_trigger_says_so() -> None:
    decision = trigger_decision(change("ecr", "approved", "ECR-3"))

    assert decision.reason == "ecr ECR-3 is approved; no trigger syncs ecr changes"


def test_configured_triggers_replace_the_defaults() -> None:
    rules = Rules.model_validate(
        {
            "triggers": [
                {"kind": "eco", "states": ["effective"]},
                {"kind": "deviation", "states": ["approved"]},
            ]
        }
    )

    assert trigger_decision(change("eco", "effective"), rules).sync
    assert not trigger_decision(change("eco", "approved"), rules).sync
    assert trigger_decision(change("deviation", "approved"), rules).sync
    assert not trigger_decision(change("release", "released"), rules).sync
