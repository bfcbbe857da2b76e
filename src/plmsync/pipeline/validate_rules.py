"""Checks that come from the workspace rules: attributes each plant requires, export control,
and plant substitutes that must exist.

Pure. `plants` maps each configured plant the change names to its region; the checks in
`validate.py` call these with the `ValidationContext`'s rules.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import Any

from plmsync.domain.issues import Issue, issue
from plmsync.domain.package import Bom, BomLine, ChangePackage, Item
from plmsync.domain.rules import PlantRules, Rules
from plmsync.pipeline.plant_rules import export_controlled, plm_substitute, rule_substitution

_FALSY_TEXT = {"", "no", "false", "0", "n", "none", "null"}


def is_truthy(value: Any) -> bool:
    """PLMs send booleans, numbers or text ("Yes", "compliant"); "No" must not pass."""
    if isinstance(value, str):
        return value.strip().lower() not in _FALSY_TEXT
    return bool(value)


def required_attribute_issues(
    package: ChangePackage, plants: Mapping[str, str], rules: Rules
) -> Iterator[Issue]:
    for plant, region in sorted(plants.items()):
        plant_rules = rules.for_plant(plant, region)
        withheld = export_controlled(package, plant_rules)
        for item in package.items:
            if item.number not in withheld:
                yield from _missing_attributes(item, plant_rules)


def _missing_attributes(item: Item, rules: PlantRules) -> Iterator[Issue]:
    missing: dict[str, list[str]] = {}  # attribute → the rules that require it
    for requirement in rules.required_attributes:
        if not requirement.value.applies_to(item.item_type):
            continue
        for name in requirement.value.attributes:
            if not is_truthy(item.attributes.get(name)):
                missing.setdefault(name, []).append(requirement.rule)
    if missing:
        required_by = sorted({rule for rules_ in missing.values() for rule in rules_})
        yield issue(
            "PLMSYNC-ITEM-ATTRIBUTE-MISSING",
            f"item {item.number} rev {item.revision} lacks {', '.join(missing)} "
            f"(missing or not true), required for {rules.plant} by {', '.join(required_by)}",
            "item",
            item.number,
            rules.plant,
        )


def export_control_issues(
    package: ChangePackage, plants: Mapping[str, str], rules: Rules
) -> Iterator[Issue]:
    for plant, region in sorted(plants.items()):
        plant_rules = rules.for_plant(plant, region)
        for number, eccn in export_controlled(package, plant_rules).items():
            rule = plant_rules.export_excluded.rule if plant_rules.export_excluded else ""
            yield issue(
                "PLMSYNC-EXPORT-CONTROL",
                f"item {number} is export-controlled ({eccn}) and {plant} is excluded by "
                f"{rule}: the item and the lines using it are withheld from {plant}",
                "item",
                number,
                plant,
            )


def missing_substitute_issues(
    package: ChangePackage, plants: Mapping[str, str], rules: Rules, known: Collection[str]
) -> Iterator[Issue]:
    """A plant's BOM would name a component neither the package nor its ERP has."""
    for plant, region in sorted(plants.items()):
        plant_rules = rules.for_plant(plant, region)
        for bom in package.boms:
            for line in bom.lines:
                yield from _unknown_substitute(bom, line, plant_rules, known)


def _unknown_substitute(
    bom: Bom, line: BomLine, rules: PlantRules, known: Collection[str]
) -> Iterator[Issue]:
    if line.plants is not None and rules.plant not in line.plants:
        return
    by_rule = rule_substitution(bom.item, line.component, rules)
    from_plm = plm_substitute(line, rules)
    component = by_rule.value.by if by_rule else from_plm.component if from_plm else None
    if component is None or component in known:
        return
    origin = by_rule.rule if by_rule else "its PLM substitute"
    yield issue(
        "PLMSYNC-SUBSTITUTE-MISSING",
        f"line {line.find_number} of {bom.item}: {rules.plant} builds with {component} "
        f"instead of {line.component} ({origin}), which is neither in the package nor in ERP",
        "bom_line",
        f"{bom.item}#{line.find_number}",
        rules.plant,
    )
