"""Staged effectivity: which steps of a plan can be prepared before the effective date.

A plant must keep building the old revision until its cut-over date. Creating a brand-new
item, or a new BOM / routing revision that is not yet in use, changes nothing production sees;
everything else (revising an item, putting a BOM in use, new drawings, sources) waits for
activation, when a fresh plan against live state posts it and reuses what was staged.
"""

from __future__ import annotations

from plmsync.domain.plan import Action, Plan, Step
from plmsync.domain.state import ObjectKind

_STAGEABLE: dict[ObjectKind, frozenset[Action]] = {
    ObjectKind.ITEM: frozenset({Action.CREATE}),
    ObjectKind.BOM: frozenset({Action.CREATE, Action.SUPERSEDE}),
    ObjectKind.ROUTING: frozenset({Action.CREATE, Action.SUPERSEDE}),
}


def stageable(plan: Plan) -> tuple[Step, ...]:
    return tuple(s for s in plan.actionable if is_stageable(s))


def is_stageable(step: Step) -> bool:
    """The same choice for a loose step (an ERP's `stage` receives steps, not a plan)."""
    return step.action in _STAGEABLE.get(step.kind, frozenset())
