"""Check a change package against the rule catalogue; report every problem at once.

Pure: what it needs to know about the world (configured plants and their regions, the unit
table, items ERP already has, the ERP's unit precision, the workspace rules) comes in a
`ValidationContext`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from plmsync.domain.issues import Issue, issue
from plmsync.domain.package import Bom, BomLine, ChangePackage, LifecycleState
from plmsync.domain.rules import DEFAULT_RULES, Rules
from plmsync.pipeline.validate_rules import (
    export_control_issues,
    missing_substitute_issues,
    required_attribute_issues,
)
from plmsync.pipeline.validate_timeline import (
    effectivity_window_issues,
    is_dated,
    lifecycle_issues,
)


@dataclass(frozen=True)
class ValidationContext:
    plants: frozenset[str]
    unit_categories: Mapping[str, str]  # canonical unit code → category
    known_items: Mapping[str, str] = field(default_factory=dict)  # in ERP already: number → uom
    unit_digits: Mapping[str, int] = field(default_factory=dict)  # canonical unit → ERP digits
    line_effectivity: bool = False  # can every target hold per-line dates?
    substitutes: bool = False  # can every target hold line substitutes?
    rules: Rules = DEFAULT_RULES  # required attributes, export control, plant substitutes
    regions: Mapping[str, str] = field(default_factory=dict)  # plant → region


Check = Callable[[ChangePackage, ValidationContext], Iterator[Issue]]


def validate(package: ChangePackage, context: ValidationContext) -> list[Issue]:
    return [found for check in CHECKS for found in check(package, context)]


# --- plants and effectivity -------------------------------------------------------------


def check_plants(package: ChangePackage, ctx: ValidationContext) -> Iterator[Issue]:
    change = package.change
    if not change.plants:
        yield issue("PLMSYNC-PLANT-NONE", "the change names no plant", "change", change.number)
    named = [p.plant for p in change.plants]
    named += [p for b in package.boms for line in b.lines for p in line.plants or ()]
    named += [p for s in package.sources for p in s.plants or ()]
    for plant in sorted(set(named) - ctx.plants):
        yield issue(
            "PLMSYNC-PLANT-UNKNOWN",
            f"plant {plant} is not configured (known: {', '.join(sorted(ctx.plants))})",
            "plant", plant, plant,
        )


def check_effectivity(package: ChangePackage, ctx: ValidationContext) -> Iterator[Issue]:
    for p in package.change.plants:
        if p.effective_to is not None and p.effective_to < p.effective_from:
            yield issue(
                "PLMSYNC-EFFECTIVITY-RANGE",
                f"effective to {p.effective_to} is before effective from {p.effective_from}",
                "change", package.change.number, p.plant,
            )
    for bom, line in _lines(package):
        if line.effective_from and line.effective_to and line.effective_to <= line.effective_from:
            yield issue(
                "PLMSYNC-EFFECTIVITY-RANGE",
                f"line {line.find_number} ends {line.effective_to}, before it starts",
                "bom_line", _line_key(bom, line),
            )


# --- items ------------------------------------------------------------------------------


def check_items(package: ChangePackage, ctx: ValidationContext) -> Iterator[Issue]:
    counts = Counter(i.number for i in package.items)
    for number in sorted(n for n, c in counts.items() if c > 1):
        yield issue("PLMSYNC-ITEM-DUPLICATE", f"item {number} is listed {counts[number]} times",
                    "item", number)
    for item in package.items:
        if item.lifecycle_state is LifecycleState.IN_WORK:
            yield issue("PLMSYNC-ITEM-NOT-RELEASED",
                        f"item {item.number} rev {item.revision} is still in work",
                        "item", item.number)


def check_units(package: ChangePackage, ctx: ValidationContext) -> Iterator[Issue]:
    used = [("item", i.number, i.uom) for i in package.items]
    used += [("bom_line", _line_key(b, line), line.uom) for b, line in _lines(package)]
    used += [
        ("bom_line", _line_key(b, line), s.uom)
        for b, line in _lines(package) for s in line.substitutes if s.uom
    ]
    for kind, key, uom in used:
        if uom not in ctx.unit_categories:
            yield issue("PLMSYNC-UOM-UNKNOWN",
                        f"unit {uom!r} is not in the unit table "
                        f"(known: {', '.join(sorted(ctx.unit_categories))})",
                        kind, key)


def check_unit_categories(package: ChangePackage, ctx: ValidationContext) -> Iterator[Issue]:
    stock_unit = {**ctx.known_items, **{i.number: i.uom for i in package.items}}
    for bom, line in _lines(package):
        line_cat = ctx.unit_categories.get(line.uom)
        item_cat = ctx.unit_categories.get(stock_unit.get(line.component, ""))
        if line_cat and item_cat and line_cat != item_cat:
            yield issue("PLMSYNC-UOM-INCOMPATIBLE",
                        f"line {line.find_number} uses {line.uom} ({line_cat}) but "
                        f"{line.component} is stocked in {stock_unit[line.component]} ({item_cat})",
                        "bom_line", _line_key(bom, line))


def check_unit_precision(package: ChangePackage, ctx: ValidationContext) -> Iterator[Issue]:
    for bom, line in _lines(package):
        digits = ctx.unit_digits.get(line.uom)
        if digits is not None and _decimals(line.quantity) > digits:
            yield issue("PLMSYNC-ERP-UNIT-PRECISION",
                        f"line {line.find_number}: {line.quantity} {line.uom} has more than "
                        f"the {digits} decimal(s) ERP keeps for {line.uom}",
                        "bom_line", _line_key(bom, line))


# --- BOMs -------------------------------------------------------------------------------


def check_bom_structure(package: ChangePackage, ctx: ValidationContext) -> Iterator[Issue]:
    items = {i.number: i for i in package.items}
    counts = Counter(b.item for b in package.boms)
    for number in sorted(n for n, c in counts.items() if c > 1):
        yield issue("PLMSYNC-BOM-DUPLICATE", f"{counts[number]} BOMs for {number}", "bom", number)
    for bom in package.boms:
        parent = items.get(bom.item)
        if parent is None:
            yield issue("PLMSYNC-BOM-PARENT-MISSING",
                        f"BOM of {bom.item} rev {bom.revision}: the item is not in the package",
                        "bom", bom.item)
        elif parent.revision != bom.revision:
            yield issue("PLMSYNC-BOM-REVISION-MISMATCH",
                        f"BOM is rev {bom.revision} but item {bom.item} is rev {parent.revision}",
                        "bom", bom.item)


def check_bom_lines(package: ChangePackage, ctx: ValidationContext) -> Iterator[Issue]:
    known = {i.number for i in package.items} | set(ctx.known_items)
    for bom in package.boms:
        yield from _duplicate_find_numbers(bom)
        for line in bom.lines:
            yield from _line_problems(bom, line, known)


def _duplicate_find_numbers(bom: Bom) -> Iterator[Issue]:
    # Dated lines may share a find number (one replaces the other at a date); their windows
    # are checked for overlaps and gaps by check_timeline instead.
    counts = Counter(line.find_number for line in bom.lines if not is_dated(line))
    for number in sorted(n for n, c in counts.items() if c > 1):
        yield issue("PLMSYNC-BOM-DUPLICATE-FIND-NUMBER",
                    f"find number {number} is used by {counts[number]} lines of {bom.item}",
                    "bom", bom.item)


def _line_problems(bom: Bom, line: BomLine, known: set[str]) -> Iterator[Issue]:
    key = _line_key(bom, line)
    if line.component not in known:
        yield issue("PLMSYNC-BOM-COMPONENT-MISSING",
                    f"line {line.find_number}: component {line.component} is neither in the "
                    "package nor in ERP", "bom_line", key)
    if line.quantity <= 0:
        yield issue("PLMSYNC-BOM-QUANTITY-NOT-POSITIVE",
                    f"line {line.find_number}: quantity {line.quantity} must be above zero",
                    "bom_line", key)
    designators = len(line.reference_designators)
    if designators and Decimal(designators) != line.quantity:
        yield issue("PLMSYNC-BOM-REFDES-COUNT",
                    f"line {line.find_number}: {designators} reference designator(s) for "
                    f"quantity {line.quantity}", "bom_line", key)


def check_cycles(package: ChangePackage, ctx: ValidationContext) -> Iterator[Issue]:
    children = {b.item: [line.component for line in b.lines] for b in package.boms}
    for cycle in find_cycles(children):
        yield issue("PLMSYNC-BOM-CYCLE", "BOM cycle: " + " → ".join([*cycle, cycle[0]]),
                    "bom", cycle[0])


def find_cycles(children: Mapping[str, list[str]]) -> list[list[str]]:
    """Each elementary cycle reachable in the BOM graph, reported once (iterative DFS)."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    cycles: list[list[str]] = []
    for root in sorted(children):
        if root in state:
            continue
        path: list[str] = []
        stack: list[tuple[str, int]] = [(root, 0)]
        while stack:
            node, index = stack.pop()
            if index == 0:
                state[node] = 1
                path.append(node)
            kids = children.get(node, [])
            if index < len(kids):
                stack.append((node, index + 1))
                child = kids[index]
                if state.get(child) == 1:
                    cycles.append(path[path.index(child):])
                elif child not in state:
                    stack.append((child, 0))
                continue
            state[node] = 2
            path.pop()
    return cycles


# --- routings and references -----------------------------------------------------------


def check_routings(package: ChangePackage, ctx: ValidationContext) -> Iterator[Issue]:
    plants = set(package.plant_codes)
    for routing in package.routings:
        key = f"{routing.item}@{routing.plant}"
        if routing.plant not in plants:
            yield issue("PLMSYNC-ROUTING-PLANT-UNKNOWN",
                        f"routing of {routing.item} is for {routing.plant}, which the change "
                        "does not name", "routing", key, routing.plant)
        counts = Counter(op.sequence for op in routing.operations)
        for seq in sorted(s for s, c in counts.items() if c > 1):
            yield issue("PLMSYNC-ROUTING-DUPLICATE-SEQUENCE",
                        f"operation sequence {seq} is used {counts[seq]} times",
                        "routing", key, routing.plant)


def check_references(package: ChangePackage, ctx: ValidationContext) -> Iterator[Issue]:
    known = {i.number for i in package.items} | set(ctx.known_items)
    referenced = [("document", d.number, item) for d in package.documents for item in d.items]
    referenced += [("source", f"{s.item}/{s.supplier}/{s.mpn}", s.item) for s in package.sources]
    referenced += [("routing", f"{r.item}@{r.plant}", r.item) for r in package.routings]
    for kind, key, item in referenced:
        if item not in known:
            yield issue("PLMSYNC-REFERENCE-ITEM-MISSING",
                        f"{kind} {key} refers to item {item}, which is not in the package",
                        kind, key)


def check_line_features(package: ChangePackage, ctx: ValidationContext) -> Iterator[Issue]:
    """Warn where the package says more than the ERP can hold, instead of dropping it."""
    for bom, line in _lines(package):
        if (line.effective_from or line.effective_to) and not ctx.line_effectivity:
            yield issue("PLMSYNC-LINE-EFFECTIVITY-UNSUPPORTED",
                        f"line {line.find_number} has its own effectivity; each plant gets the "
                        "lines valid on its cut-over date", "bom_line", _line_key(bom, line))
        if line.substitutes and not ctx.substitutes:
            yield issue("PLMSYNC-SUBSTITUTES-UNSUPPORTED",
                        f"line {line.find_number}: {len(line.substitutes)} substitute(s) are "
                        "not posted", "bom_line", _line_key(bom, line))


# --- governance: the workspace rules and the change's time line ----------------------------


def check_plant_rules(package: ChangePackage, ctx: ValidationContext) -> Iterator[Issue]:
    plants = {p: ctx.regions.get(p, "") for p in package.plant_codes if p in ctx.plants}
    known = {i.number for i in package.items} | set(ctx.known_items)
    yield from required_attribute_issues(package, plants, ctx.rules)
    yield from export_control_issues(package, plants, ctx.rules)
    yield from missing_substitute_issues(package, plants, ctx.rules, known)


def check_timeline(package: ChangePackage, ctx: ValidationContext) -> Iterator[Issue]:
    yield from effectivity_window_issues(package)
    yield from lifecycle_issues(package)


def _lines(package: ChangePackage) -> Iterator[tuple[Bom, BomLine]]:
    return ((bom, line) for bom in package.boms for line in bom.lines)


def _line_key(bom: Bom, line: BomLine) -> str:
    return f"{bom.item}#{line.find_number}"


def _decimals(quantity: Decimal) -> int:
    exponent = quantity.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


CHECKS: tuple[Check, ...] = (
    check_plants,
    check_effectivity,
    check_items,
    check_units,
    check_unit_categories,
    check_unit_precision,
    check_bom_structure,
    check_bom_lines,
    check_cycles,
    check_routings,
    check_references,
    check_line_features,
    check_plant_rules,
    check_timeline,
)
