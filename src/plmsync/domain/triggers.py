"""Which changes may reach ERP: a change syncs only when its kind and state match a trigger.

A designer's save (an ECO `in_work`) must never post; the engine records it as skipped with
the reason this returns.
"""

from __future__ import annotations

from typing import NamedTuple

from plmsync.domain.package import Change
from plmsync.domain.rules import DEFAULT_RULES, Rules


class TriggerDecision(NamedTuple):
    sync: bool
    reason: str


def trigger_decision(change: Change, rules: Rules = DEFAULT_RULES) -> TriggerDecision:
    trigger = next((t for t in rules.triggers if t.kind is change.kind), None)
    what = f"{change.kind} {change.number} is {change.state}"
    if trigger is None:
        return TriggerDecision(False, f"{what}; no trigger syncs {change.kind} changes")
    states = " or ".join(trigger.states)
    if change.state not in trigger.states:
        return TriggerDecision(False, f"{what}; {change.kind} changes sync when {states}")
    return TriggerDecision(True, f"{what}; {change.kind} changes sync when {states}")
