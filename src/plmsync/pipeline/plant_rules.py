"""EBOM → MBOM: apply one plant's rules to its engineering view, recording which rule
produced each difference.

Pure and deterministic: objects are visited in key order and every choice has a tie-break, so
the same package and rules give the same view and the same trace whatever the input order.
The rules run in a fixed sequence, each on the result of the one before:

1. export control — classified items, and the lines using them, never reach an excluded plant;
2. substitutions — a plant or region rule (or the PLM substitute meant for it) replaces a
   line's component;
3. phantoms — with `phantom: flatten`, a phantom's line becomes its own lines, multiplied out
   (after substitution, so substitutes inside a phantom apply too);
4. make/buy — per-plant overrides of the item's make/buy;
5. local sourcing — with `preferred_regions`, an item that has sources of those regions is
   bought only from them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from plmsync.domain.package import BomLine, ChangePackage, ItemType, Substitute
from plmsync.domain.rules import Labelled, PlantRules, Substitution
from plmsync.domain.state import BomLineRecord, BomRecord, SourceRecord, TargetState


class DerivationKind(StrEnum):
    EXCLUSION = "exclusion"
    SUBSTITUTION = "substitution"
    PHANTOM = "phantom"
    MAKE_BUY = "make-buy"
    SOURCING = "sourcing"


_KIND_ORDER = {kind: position for position, kind in enumerate(DerivationKind)}


@dataclass(frozen=True, slots=True)
class Derivation:
    """One difference between a plant's view and the engineering view, and its cause."""

    kind: DerivationKind
    key: str  # the object changed: an item number, a BOM line "PARENT#find", a source key
    rule: str  # where the rule is configured, e.g. "regions.EU.substitutions[0]"
    description: str
    before: str = ""  # engineering value: a component, make/buy, a supplier
    after: str = ""  # the plant's value; "" when the object was left out


Trace = list[Derivation]

# A flattened phantom line's find number: the parent line's, then the phantom line's in
# three digits (line 20 holding a phantom whose line 10 is a screw → 20010).
_FIND_SCALE = 1000


def apply_plant_rules(
    package: ChangePackage, engineering: TargetState, rules: PlantRules
) -> tuple[TargetState, Trace]:
    if not rules.changes_the_engineering_view:
        return engineering, []
    view, trace = engineering, []
    for step in (_exclude, _substitute, _flatten_phantoms, _make_buy, _prefer_local_sources):
        view, found = step(package, view, rules)
        trace.extend(found)
    return view, sorted(trace, key=_trace_order)


def _trace_order(d: Derivation) -> tuple[int, str, str, str]:
    return (_KIND_ORDER[d.kind], d.key, d.rule, d.description)


# --- 1. export control ---------------------------------------------------------------------


def export_controlled(package: ChangePackage, rules: PlantRules) -> dict[str, str]:
    """Items of the package that must not reach this plant → their classification."""
    if rules.export_excluded is None:
        return {}
    control = rules.export_excluded.value
    found = ((i.number, control.classification(i.attributes)) for i in package.items)
    return {number: eccn for number, eccn in sorted(found) if eccn}


def _exclude(
    package: ChangePackage, view: TargetState, rules: PlantRules
) -> tuple[TargetState, Trace]:
    blocked = export_controlled(package, rules)
    if not blocked or rules.export_excluded is None:
        return view, []
    rule = rules.export_excluded.rule
    trace = [
        Derivation(
            DerivationKind.EXCLUSION,
            number,
            rule,
            f"{number} is export-controlled ({eccn}): not sent to {rules.plant}",
            before=number,
        )
        for number, eccn in blocked.items()
        if number in view.items
    ]
    boms: dict[str, BomRecord] = {}
    for key in sorted(k for k in view.boms if k not in blocked):
        boms[key], dropped = _without_components(view.boms[key], blocked, rule)
        trace.extend(dropped)
    return _without_items(view, set(blocked), boms), trace


def _without_components(
    bom: BomRecord, blocked: Mapping[str, str], rule: str
) -> tuple[BomRecord, Trace]:
    dropped = [line for line in bom.lines if line.component in blocked]
    if not dropped:
        return bom, []
    trace = [
        Derivation(
            DerivationKind.EXCLUSION,
            f"{bom.item}#{line.find_number}",
            rule,
            f"line {line.find_number} left out: {line.component} is export-controlled "
            f"({blocked[line.component]})",
            before=line.component,
        )
        for line in dropped
    ]
    kept = tuple(line for line in bom.lines if line.component not in blocked)
    return replace(bom, lines=kept), trace


def _without_items(view: TargetState, items: set[str], boms: dict[str, BomRecord]) -> TargetState:
    """The view with nothing left that belongs to `items`: no record, and no claim to list
    their documents or sources completely (so ERP records of them are not retired either)."""
    return replace(
        view,
        items={k: v for k, v in view.items.items() if k not in items},
        boms=boms,
        routings={k: v for k, v in view.routings.items() if v.item not in items},
        documents={k: v for k, v in view.documents.items() if v.item not in items},
        sources={k: v for k, v in view.sources.items() if v.item not in items},
        complete_for={kind: keys - items for kind, keys in view.complete_for.items()},
    )


# --- 2. substitutions ----------------------------------------------------------------------


def rule_substitution(
    parent: str, component: str, rules: PlantRules
) -> Labelled[Substitution] | None:
    """The first substitution rule (plant's before region's, in listed order) for a line."""
    return next(
        (
            s
            for s in rules.substitutions
            if s.value.replace == component and s.value.parent in (None, parent)
        ),
        None,
    )


def plm_substitute(line: BomLine, rules: PlantRules) -> Substitute | None:
    """The PLM substitute this plant builds with when it uses PLM substitutes: one meant for
    the plant or its region, lowest priority number first."""
    if not (rules.plm_substitutes and rules.plm_substitutes.value):
        return None
    meant = [s for s in line.substitutes if _meant_for(s, rules)]
    return min(meant, key=lambda s: (s.priority, s.component), default=None)


def _meant_for(substitute: Substitute, rules: PlantRules) -> bool:
    return rules.plant in (substitute.plants or ()) or (
        bool(rules.region) and rules.region in (substitute.regions or ())
    )


def _substitute(
    package: ChangePackage, view: TargetState, rules: PlantRules
) -> tuple[TargetState, Trace]:
    engineering_lines = {
        (bom.item, line.find_number, line.component): line
        for bom in package.boms
        for line in bom.lines
    }
    boms: dict[str, BomRecord] = {}
    trace: Trace = []
    for key in sorted(view.boms):
        bom = view.boms[key]
        substituted = [_substituted(bom.item, ln, rules, engineering_lines) for ln in bom.lines]
        trace.extend(d for _, d in substituted if d is not None)
        changed = any(d is not None for _, d in substituted)
        boms[key] = replace(bom, lines=tuple(ln for ln, _ in substituted)) if changed else bom
    return replace(view, boms=boms), trace


def _substituted(
    parent: str,
    line: BomLineRecord,
    rules: PlantRules,
    engineering_lines: Mapping[tuple[str, int, str], BomLine],
) -> tuple[BomLineRecord, Derivation | None]:
    key = f"{parent}#{line.find_number}"
    by_rule = rule_substitution(parent, line.component, rules)
    if by_rule is not None:
        new = by_rule.value.by
        note = f"{line.component} → {new}"
        derivation = Derivation(
            DerivationKind.SUBSTITUTION, key, by_rule.rule, note, line.component, new
        )
        return replace(line, component=new), derivation
    source = engineering_lines.get((parent, line.find_number, line.component))
    chosen = plm_substitute(source, rules) if source is not None else None
    if chosen is None or rules.plm_substitutes is None:
        return line, None
    note = f"{line.component} → {chosen.component} (PLM substitute, priority {chosen.priority})"
    derivation = Derivation(
        DerivationKind.SUBSTITUTION,
        key,
        rules.plm_substitutes.rule,
        note,
        line.component,
        chosen.component,
    )
    quantity, uom = chosen.quantity or line.quantity, chosen.uom or line.uom
    return replace(line, component=chosen.component, quantity=quantity, uom=uom), derivation


# --- 3. phantoms ---------------------------------------------------------------------------


def _flatten_phantoms(
    package: ChangePackage, view: TargetState, rules: PlantRules
) -> tuple[TargetState, Trace]:
    phantoms = frozenset(
        i.number for i in package.items if i.item_type is ItemType.PHANTOM and i.number in view.boms
    )
    if not rules.flattens_phantoms or rules.phantom is None or not phantoms:
        return view, []
    boms: dict[str, BomRecord] = {}
    trace: Trace = []
    for key in sorted(view.boms):
        boms[key], found = _flattened(view.boms[key], view.boms, phantoms, rules.phantom.rule)
        trace.extend(found)
    return replace(view, boms=boms), trace


def _flattened(
    bom: BomRecord, boms: Mapping[str, BomRecord], phantoms: frozenset[str], rule: str
) -> tuple[BomRecord, Trace]:
    if not any(line.component in phantoms for line in bom.lines):
        return bom, []
    kept = [line for line in bom.lines if line.component not in phantoms]
    taken = {line.find_number for line in kept}
    trace: Trace = []
    for line in (ln for ln in bom.lines if ln.component in phantoms):
        expanded = _numbered(_multiplied_out(line, boms, phantoms, (bom.item,)), taken)
        kept.extend(expanded)
        trace.append(_phantom_note(bom.item, line, expanded, rule))
    lines = tuple(sorted(kept, key=lambda ln: ln.find_number))
    return replace(bom, lines=lines), trace


def _multiplied_out(
    line: BomLineRecord,
    boms: Mapping[str, BomRecord],
    phantoms: frozenset[str],
    path: tuple[str, ...],
) -> list[BomLineRecord]:
    """The phantom's own lines, quantities times the parent line's; nested phantoms too
    (a cycle, already a validation error, just stops the expansion)."""
    inside = (*path, line.component)
    result: list[BomLineRecord] = []
    for child in boms[line.component].lines:
        composed = replace(
            child,
            find_number=line.find_number * _FIND_SCALE + child.find_number,
            quantity=line.quantity * child.quantity,
        )
        if child.component in phantoms and child.component not in inside:
            result.extend(_multiplied_out(composed, boms, phantoms, inside))
        else:
            result.append(composed)
    return result


def _numbered(lines: Iterable[BomLineRecord], taken: set[int]) -> list[BomLineRecord]:
    """Keep composed find numbers unique within the parent (next free number on a clash)."""
    numbered = []
    for line in sorted(lines, key=lambda ln: ln.find_number):
        number = line.find_number
        while number in taken:
            number += 1
        taken.add(number)
        numbered.append(replace(line, find_number=number))
    return numbered


def _phantom_note(
    parent: str, line: BomLineRecord, expanded: list[BomLineRecord], rule: str
) -> Derivation:
    into = ", ".join(f"{ln.find_number} {ln.component} × {ln.quantity}" for ln in expanded)
    note = f"phantom {line.component} × {line.quantity} flattened into {into or 'nothing'}"
    return Derivation(
        DerivationKind.PHANTOM, f"{parent}#{line.find_number}", rule, note, line.component
    )


# --- 4. make or buy ------------------------------------------------------------------------


def _make_buy(
    package: ChangePackage, view: TargetState, rules: PlantRules
) -> tuple[TargetState, Trace]:
    overrides = rules.make_buy or {}
    items = dict(view.items)
    trace: Trace = []
    for number in sorted(n for n in overrides if n in items):
        choice, before = overrides[number], items[number].make_buy
        if before == choice.value.value:
            continue
        items[number] = replace(items[number], make_buy=choice.value.value)
        note = f"{number}: {before} → {choice.value} in {rules.plant}"
        trace.append(
            Derivation(DerivationKind.MAKE_BUY, number, choice.rule, note, before, choice.value)
        )
    return replace(view, items=items), trace


# --- 5. local sourcing ---------------------------------------------------------------------


def _prefer_local_sources(
    package: ChangePackage, view: TargetState, rules: PlantRules
) -> tuple[TargetState, Trace]:
    if rules.preferred_regions is None:
        return view, []
    preferred = set(rules.preferred_regions.value)
    regions: dict[str, set[str]] = {}
    for s in package.sources:
        regions.setdefault(f"{s.item}/{s.supplier}/{s.mpn}", set()).update(s.regions or ())
    by_item: dict[str, list[SourceRecord]] = {}
    for key in sorted(view.sources):
        by_item.setdefault(view.sources[key].item, []).append(view.sources[key])
    dropped = [
        record
        for records in by_item.values()
        if any(regions.get(r.key, set()) & preferred for r in records)
        for record in records
        if not regions.get(record.key, set()) & preferred
    ]
    note = f"{rules.plant} buys from {', '.join(sorted(preferred))} sources where it can"
    trace = [
        Derivation(
            DerivationKind.SOURCING,
            r.key,
            rules.preferred_regions.rule,
            f"{r.supplier} left out: {note}",
            before=r.supplier,
        )
        for r in dropped
    ]
    gone = {r.key for r in dropped}
    return replace(view, sources={k: v for k, v in view.sources.items() if k not in gone}), trace
