"""Order the diff into a plan an ERP can post: items, then BOMs bottom-up, then routings,
documents and sources. Components come before the assemblies that use them, child BOMs before
parent BOMs, so every reference a posting makes already exists when it is made.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from plmsync.domain.issues import Issue
from plmsync.domain.plan import Plan, Step
from plmsync.domain.rules import DEFAULT_RULES, Rules
from plmsync.domain.state import ObjectKind, TargetState
from plmsync.pipeline.diff import diff

_KIND_ORDER = {kind: position for position, kind in enumerate(ObjectKind)}


def plan(
    change: str,
    plant: str,
    desired: TargetState,
    actual: TargetState,
    warnings: Iterable[Issue] = (),
    rules: Rules = DEFAULT_RULES,
) -> Plan:
    """`rules` only matter for attribute ownership: what plmsync may write."""
    levels = bom_levels(desired)
    steps = sorted(diff(desired, actual, rules), key=lambda s: _order(s, levels))
    return Plan(change, plant, tuple(steps), tuple(warnings))


def _order(step: Step, levels: Mapping[str, int]) -> tuple[int, int, str]:
    item = getattr(step.desired or step.current, "item", step.key)
    level = levels.get(item, 0) if step.kind in (ObjectKind.ITEM, ObjectKind.BOM) else 0
    return (_KIND_ORDER[step.kind], level, step.key)


def bom_levels(state: TargetState) -> dict[str, int]:
    """Level of every item: 0 for purchased leaves, 1 + the deepest component otherwise.

    Iterative and cycle-safe (a cycle is a validation error; here it must not hang)."""
    children = {item: bom.components for item, bom in state.boms.items()}
    levels: dict[str, int] = {}
    for root in children:
        _resolve(root, children, levels)
    return levels


def _resolve(root: str, children: Mapping[str, frozenset[str]], levels: dict[str, int]) -> None:
    stack: list[tuple[str, bool]] = [(root, False)]
    on_path: set[str] = set()
    while stack:
        item, expanded = stack.pop()
        if item in levels:
            continue
        if expanded:
            on_path.discard(item)
            below = [levels.get(c, 0) for c in children.get(item, ())]
            levels[item] = 1 + max(below) if below else 0
            continue
        on_path.add(item)
        stack.append((item, True))
        stack.extend((c, False) for c in children.get(item, ()) if c not in on_path)
