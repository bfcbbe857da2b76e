"""Validation findings and the catalogue of rules that produce them.

Every rule has a stable code, a severity, a remedy and the role that owns fixing it. The
catalogue is the single source for `docs/errors.md` (generated, never edited by hand).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"  # blocks the change for every plant it concerns
    WARNING = "warning"  # reported, does not block


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    severity: Severity
    title: str
    remedy: str
    owner: str


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in a package, pointing at the object it concerns."""

    code: str
    severity: Severity
    message: str
    object_kind: str
    object_key: str
    plant: str = ""

    @property
    def blocking(self) -> bool:
        return self.severity is Severity.ERROR


def _rule(code: str, severity: Severity, title: str, remedy: str, owner: str) -> Rule:
    return Rule(code, severity, title, remedy, owner)


E, W = Severity.ERROR, Severity.WARNING
ENGINEERING, INTEGRATION, PLANNING = "engineering", "integration_admin", "planning"
TRADE_COMPLIANCE = "trade_compliance"

CATALOGUE: dict[str, Rule] = {
    r.code: r
    for r in (
        _rule("PLMSYNC-PLANT-UNKNOWN", E, "Plant not configured",
              "Add the plant to plmsync.yaml or correct the plant code in the PLM change.",
              INTEGRATION),
        _rule("PLMSYNC-PLANT-NONE", E, "Change names no plant",
              "Set at least one affected plant with its effectivity date on the change.",
              ENGINEERING),
        _rule("PLMSYNC-UOM-UNKNOWN", E, "Unit of measure not mapped",
              "Add the unit to the `units` table of plmsync.yaml, or correct it in PLM.",
              INTEGRATION),
        _rule("PLMSYNC-UOM-INCOMPATIBLE", E, "Line unit not convertible to the component's unit",
              "Use a unit of the component's category (e.g. G or KG for a KG item).",
              ENGINEERING),
        _rule("PLMSYNC-BOM-CYCLE", E, "BOM cycle",
              "An assembly cannot contain itself; remove one of the lines in the cycle.",
              ENGINEERING),
        _rule("PLMSYNC-BOM-COMPONENT-MISSING", E, "BOM component not in the package or ERP",
              "Add the component item to the change package (or release it first).",
              ENGINEERING),
        _rule("PLMSYNC-BOM-PARENT-MISSING", E, "BOM parent not in the package",
              "Include the parent item's revision in the change package.", ENGINEERING),
        _rule("PLMSYNC-BOM-DUPLICATE-FIND-NUMBER", E, "Duplicate find number",
              "Give every line of a BOM its own find number.", ENGINEERING),
        _rule("PLMSYNC-BOM-QUANTITY-NOT-POSITIVE", E, "BOM quantity zero or negative",
              "Every BOM line needs a quantity greater than zero.", ENGINEERING),
        _rule("PLMSYNC-BOM-REFDES-COUNT", W, "Reference designators do not match quantity",
              "Make the number of reference designators equal the line quantity.", ENGINEERING),
        _rule("PLMSYNC-BOM-REVISION-MISMATCH", E, "BOM revision differs from its item revision",
              "Release the BOM under the same revision as its parent item.", ENGINEERING),
        _rule("PLMSYNC-BOM-DUPLICATE", E, "Two BOMs for one item",
              "Send one BOM per item revision in a package.", ENGINEERING),
        _rule("PLMSYNC-SUBSTITUTES-UNSUPPORTED", W, "ERP cannot hold line substitutes",
              "The primary component is synced; declare the substitute as a plant rule.",
              PLANNING),
        _rule("PLMSYNC-ITEM-DUPLICATE", E, "Item listed twice",
              "List each item once per package.", ENGINEERING),
        _rule("PLMSYNC-ITEM-NOT-RELEASED", E, "Item revision not released",
              "Only released items may be synced; release the item revision in PLM.",
              ENGINEERING),
        _rule("PLMSYNC-EFFECTIVITY-RANGE", E, "Effectivity ends before it starts",
              "Correct the effectivity dates on the change.", ENGINEERING),
        _rule("PLMSYNC-LINE-EFFECTIVITY-UNSUPPORTED", W, "ERP cannot hold per-line effectivity",
              "The line is synced without its dates; stage the change per plant instead.",
              PLANNING),
        _rule("PLMSYNC-ROUTING-PLANT-UNKNOWN", E, "Routing for a plant the change does not name",
              "Add the plant to the change or remove the routing.", ENGINEERING),
        _rule("PLMSYNC-ROUTING-DUPLICATE-SEQUENCE", E, "Duplicate routing operation sequence",
              "Give every operation of a routing its own sequence number.", ENGINEERING),
        _rule("PLMSYNC-REFERENCE-ITEM-MISSING", E, "Document or source names an unknown item",
              "Include the item in the package, or correct the item number.", ENGINEERING),
        _rule("PLMSYNC-ERP-UNIT-PRECISION", E, "Quantity finer than the ERP unit allows",
              "Use a smaller unit (e.g. G instead of KG) or raise the unit's digits in ERP.",
              INTEGRATION),
        # --- governance: rules from plmsync.yaml (`rules:`) and the change's time line ---
        _rule("PLMSYNC-ITEM-ATTRIBUTE-MISSING", E, "Item lacks an attribute its plant requires",
              "Set the attribute (e.g. rohs, reach) true on the item in PLM and release again; "
              "the requirement is under rules: in plmsync.yaml.", ENGINEERING),
        _rule("PLMSYNC-EXPORT-CONTROL", W, "Export-controlled item withheld from a plant",
              "The item and the lines using it are not sent to this plant and the change waits "
              "for trade compliance review; drop the plant from the change or correct the "
              "item's classification in PLM.", TRADE_COMPLIANCE),
        _rule("PLMSYNC-SUBSTITUTE-MISSING", E, "Plant substitute not in the package or ERP",
              "Release the substitute item first, or correct the substitution rule under "
              "rules: in plmsync.yaml.", PLANNING),
        _rule("PLMSYNC-EFFECTIVITY-OVERLAP", E, "Two lines of one find number valid at once",
              "End the old line's effectivity on the day the new line starts.", ENGINEERING),
        _rule("PLMSYNC-EFFECTIVITY-GAP", E, "Days when no line of a find number is valid",
              "Start the new line on the day the old line ends (the end date is exclusive).",
              ENGINEERING),
        _rule("PLMSYNC-LIFECYCLE-OBSOLETE", E, "New revision of an obsolete or superseded item",
              "Reactivate the item in PLM, or release the change against its successor.",
              ENGINEERING),
        _rule("PLMSYNC-LIFECYCLE-REVISION-MISMATCH", E,
              "Change releases a different revision than the package carries",
              "Make the affected item's to-revision match the item revision sent.",
              ENGINEERING),
        _rule("PLMSYNC-LIFECYCLE-REVISION-BACKWARDS", E, "Change goes back to an older revision",
              "Release a revision later than the one the change starts from.", ENGINEERING),
    )
}


def issue(code: str, message: str, kind: str, key: str, plant: str = "") -> Issue:
    """Build an issue whose severity comes from the catalogue, so codes cannot drift."""
    return Issue(code, CATALOGUE[code].severity, message, kind, key, plant)
