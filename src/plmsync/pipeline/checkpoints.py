"""Approval checkpoints: which conditions of a change must wait for a person before posting.

Pure: given the package, the plans made for its plants (optional: without a plan the checks
that compare with ERP are skipped), the rules, the plants' regions and any drift reconcile
found, return every hit with what, why (the rule and its values) and who (the owner role).
A standard change returns no hit; the engine turns hits into one review task per change.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from plmsync.domain.drift import ErpDrift
from plmsync.domain.package import ChangePackage, Item, PlantEffectivity
from plmsync.domain.plan import Action, Plan
from plmsync.domain.rules import DEFAULT_RULES, CheckpointName, PlantRules, Rules
from plmsync.domain.state import ObjectKind, TargetState
from plmsync.pipeline.derive import PlantContext, derive_with_trace
from plmsync.pipeline.plant_rules import Derivation, DerivationKind, export_controlled
from plmsync.pipeline.validate_rules import is_truthy

_ORDER = {name: position for position, name in enumerate(CheckpointName)}


@dataclass(frozen=True)
class CheckpointHit:
    rule: CheckpointName
    reason: str
    values: Mapping[str, str] = field(default_factory=dict)
    owner_role: str = ""
    plant: str = ""


@dataclass(frozen=True)
class _Plant:
    """What the checks look at for one plant."""

    context: PlantContext
    rules: PlantRules
    view: TargetState
    trace: list[Derivation]
    plan: Plan | None
    drift: list[ErpDrift]


def checkpoint_hits(
    package: ChangePackage,
    plans: Mapping[str, Plan],
    rules: Rules = DEFAULT_RULES,
    *,
    regions: Mapping[str, str] | None = None,
    drift: Sequence[ErpDrift] = (),
) -> list[CheckpointHit]:
    """Every checkpoint the change hits, in a stable order. With `plans`, only their plants
    are looked at; without, every plant the change names."""
    regions = regions or {}
    hits: list[CheckpointHit] = []
    for effectivity in package.change.plants:
        if plans and effectivity.plant not in plans:
            continue
        plant = _plant(package, effectivity, plans, rules, regions, drift)
        for check in _CHECKS:
            hits.extend(check(package, plant, rules))
    return sorted(hits, key=lambda h: (_ORDER[h.rule], h.plant, h.reason))


def _plant(
    package: ChangePackage,
    effectivity: PlantEffectivity,
    plans: Mapping[str, Plan],
    rules: Rules,
    regions: Mapping[str, str],
    drift: Sequence[ErpDrift],
) -> _Plant:
    code = effectivity.plant
    context = PlantContext(code, regions.get(code, ""), effectivity.effective_from)
    view, trace = derive_with_trace(package, context, rules)
    mine = [d for d in drift if d.plant == code]
    return _Plant(
        context, rules.for_plant(code, context.region), view, trace, plans.get(code), mine
    )


def _hit(
    rules: Rules, name: CheckpointName, plant: str, reason: str, values: dict[str, Any]
) -> CheckpointHit:
    text = {key: str(value) for key, value in values.items()}
    return CheckpointHit(name, reason, text, rules.checkpoints.owner_of(name), plant)


# --- export control ------------------------------------------------------------------------


def _export_control(package: ChangePackage, plant: _Plant, rules: Rules) -> Iterator[CheckpointHit]:
    excluded = plant.rules.export_excluded
    if not rules.checkpoints.enabled(CheckpointName.EXPORT_CONTROL_HIT) or excluded is None:
        return
    code = plant.context.plant
    for item, eccn in export_controlled(package, plant.rules).items():
        reason = f"{item} is export-controlled ({eccn}) and withheld from {code} by {excluded.rule}"
        values = {"item": item, "classification": eccn, "rule": excluded.rule}
        yield _hit(rules, CheckpointName.EXPORT_CONTROL_HIT, code, reason, values)


# --- substitutions that change compliance --------------------------------------------------


def _compliance_substitutions(
    package: ChangePackage, plant: _Plant, rules: Rules
) -> Iterator[CheckpointHit]:
    if not rules.checkpoints.enabled(CheckpointName.SUBSTITUTION_CHANGES_COMPLIANCE):
        return
    items = {i.number: i for i in package.items}
    lines: dict[tuple[str, str, str], list[str]] = {}  # (rule, component, substitute) → lines
    for d in plant.trace:
        if d.kind is DerivationKind.SUBSTITUTION:
            lines.setdefault((d.rule, d.before, d.after), []).append(d.key)
    for (rule, before, after), keys in sorted(lines.items()):
        changed = _compliance_changes(
            items.get(before), items.get(after), rules.checkpoints.compliance_attributes
        )
        if changed:
            yield _substitution_hit(
                rules, plant.context.plant, rule, (before, after), keys, changed
            )


def _substitution_hit(
    rules: Rules,
    plant: str,
    rule: str,
    swap: tuple[str, str],
    lines: list[str],
    changed: dict[str, str],
) -> CheckpointHit:
    before, after = swap
    reason = f"{rule} builds {after} instead of {before} in {plant}, changing {', '.join(changed)}"
    values = {"rule": rule, "component": before, "substitute": after, "lines": ", ".join(lines)}
    return _hit(
        rules, CheckpointName.SUBSTITUTION_CHANGES_COMPLIANCE, plant, reason, values | changed
    )


def _compliance_changes(
    original: Item | None, substitute: Item | None, attributes: Sequence[str]
) -> dict[str, str]:
    """attribute → "before → after" for each compliance attribute that differs. An item the
    package does not carry has unknown attributes: that counts as a change (nobody checked)."""
    changed = {}
    for name in attributes:
        before, after = _compliance_value(original, name), _compliance_value(substitute, name)
        if before != after or "unknown" in (before, after):
            changed[name] = f"{before} → {after}"
    return changed


def _compliance_value(item: Item | None, name: str) -> str:
    if item is None:
        return "unknown"
    value = item.attributes.get(name)
    if value is None:
        return "missing"
    if isinstance(value, bool) or not is_truthy(value):
        return "yes" if is_truthy(value) else "no"
    return str(value).strip().lower()


# --- checks that compare with ERP (need a plan) --------------------------------------------


def _supplier_changes(
    package: ChangePackage, plant: _Plant, rules: Rules
) -> Iterator[CheckpointHit]:
    """Approved suppliers added to or removed from an item ERP already has (a new item's
    first sources are part of its release, not a change of supplier)."""
    if plant.plan is None or not rules.checkpoints.enabled(CheckpointName.SUPPLIER_CHANGE):
        return
    steps = plant.plan.steps
    new_items = {s.key for s in steps if s.kind is ObjectKind.ITEM and s.action is Action.CREATE}
    changes: dict[str, dict[str, list[str]]] = {}
    for step in steps:
        record = step.desired or step.current
        if step.kind is ObjectKind.SOURCE and step.action in (Action.CREATE, Action.RETIRE):
            item, supplier = str(getattr(record, "item", "")), str(getattr(record, "supplier", ""))
            if item not in new_items:
                verb = "added" if step.action is Action.CREATE else "removed"
                changes.setdefault(item, {}).setdefault(verb, []).append(supplier)
    for item, by_verb in sorted(changes.items()):
        summary = "; ".join(f"{verb} {', '.join(sorted(s))}" for verb, s in sorted(by_verb.items()))
        reason = f"approved suppliers of {item} change in {plant.context.plant}: {summary}"
        values = {"item": item, **{verb: ", ".join(sorted(s)) for verb, s in by_verb.items()}}
        yield _hit(rules, CheckpointName.SUPPLIER_CHANGE, plant.context.plant, reason, values)


def _quantity_changes(
    package: ChangePackage, plant: _Plant, rules: Rules
) -> Iterator[CheckpointHit]:
    limit = rules.checkpoints.quantity_change_above_pct
    if plant.plan is None or limit is None:
        return
    for step in plant.plan.steps:
        for change in step.line_changes:
            before, after = change.before, change.after
            if change.change != "changed" or before is None or after is None:
                continue
            if before.component != after.component or before.quantity == 0:
                continue
            pct = abs(after.quantity - before.quantity) / before.quantity * Decimal(100)
            if pct > limit:
                yield _quantity_hit(
                    rules,
                    plant.context.plant,
                    step.key,
                    change.find_number,
                    (before.component, before.quantity, after.quantity),
                    pct,
                )


def _quantity_hit(
    rules: Rules,
    plant: str,
    bom: str,
    find_number: int,
    change: tuple[str, Decimal, Decimal],
    pct: Decimal,
) -> CheckpointHit:
    component, before, after = change
    shown = f"{pct.quantize(Decimal('0.1')).normalize():f}"
    reason = (
        f"line {find_number} of {bom} in {plant}: {component} quantity {before} → {after} "
        f"({shown}% > {rules.checkpoints.quantity_change_above_pct}%)"
    )
    values = {
        "bom": bom,
        "find_number": find_number,
        "component": component,
        "quantity": f"{before} → {after}",
        "change_pct": shown,
    }
    return _hit(rules, CheckpointName.QUANTITY_CHANGE_ABOVE_PCT, plant, reason, values)


def _drift_conflicts(
    package: ChangePackage, plant: _Plant, rules: Rules
) -> Iterator[CheckpointHit]:
    """Drift on an attribute this change writes: posting would overwrite someone's ERP edit.
    Without a plan, drift on any object of the plant's view counts."""
    if not rules.checkpoints.enabled(CheckpointName.ERP_DRIFT_CONFLICT):
        return
    for drift in plant.drift:
        if _writes(plant, drift):
            reason = (
                f"{drift.kind} {drift.key} {drift.attribute} was changed in ERP "
                f"({drift.synced!r} → {drift.in_erp!r}) and this change writes it again"
            )
            values = {
                "kind": drift.kind,
                "key": drift.key,
                "attribute": drift.attribute,
                "synced": drift.synced,
                "in_erp": drift.in_erp,
            }
            yield _hit(rules, CheckpointName.ERP_DRIFT_CONFLICT, drift.plant, reason, values)


def _writes(plant: _Plant, drift: ErpDrift) -> bool:
    if plant.plan is None:
        return drift.key in plant.view.of_kind(drift.kind)
    return any(
        step.kind is drift.kind and step.key == drift.key and drift.attribute in step.changed_fields
        for step in plant.plan.actionable
    )


_CHECKS = (
    _export_control,
    _compliance_substitutions,
    _supplier_changes,
    _quantity_changes,
    _drift_conflicts,
)
