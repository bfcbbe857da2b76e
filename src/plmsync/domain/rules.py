"""Governance rules as data: who owns which attribute, which changes sync, how each plant's
manufacturing view differs from the engineering BOM, when a human must approve, and who owns
each error.

The rules live in the workspace file under `rules:` and are validated when it is loaded; the
JSON Schema of this model is published as `schemas/rules.v1.json`. Every section has a default,
so a workspace without `rules:` behaves exactly as before rules existed.

Pure data: pydantic and the standard library only. The functions that act on these rules live
next to what they act on (`ownership`, `triggers`, `routing`, `pipeline.plant_rules`,
`pipeline.checkpoints`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from plmsync.domain.package import ChangeKind, ChangeState, Code, ItemType, MakeBuy
from plmsync.domain.state import ObjectKind


class RuleError(ValueError):
    """A rule is wrong at `loc` (relative to where pydantic reports it), so that the config
    loader can point at the exact YAML line instead of the enclosing section."""

    def __init__(self, loc: tuple[str | int, ...], message: str):
        super().__init__(message)
        self.loc = loc


class _Rules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- ownership -----------------------------------------------------------------------------


class Owner(StrEnum):
    PLM = "plm"
    ERP = "erp"
    SHARED = "shared"


class Policy(StrEnum):
    """Who wins when a shared attribute differs between PLM and ERP."""

    PLM_WINS = "plm-wins"
    ERP_WINS = "erp-wins"
    REVIEW = "review"  # plmsync writes PLM's value, but drift on it goes to a person


def _owner_shorthand(value: object) -> object:
    """`description: plm` is short for `description: {owner: plm}`."""
    return {"owner": value} if isinstance(value, str) else value


class AttributeOwner(_Rules):
    owner: Owner
    policy: Policy | None = Field(default=None, description="Required when owner is shared.")

    @model_validator(mode="after")
    def _policy_only_when_shared(self) -> AttributeOwner:
        if self.owner is Owner.SHARED and self.policy is None:
            raise ValueError("a shared attribute needs a policy: plm-wins, erp-wins or review")
        if self.owner is not Owner.SHARED and self.policy is not None:
            raise ValueError(f"only shared attributes take a policy ({self.owner} always wins)")
        return self

    @property
    def writable(self) -> bool:
        """May plmsync write this attribute? Review-policy attributes are written (PLM's value
        is the one released); drift on them is what a person reviews."""
        if self.owner is Owner.SHARED:
            return self.policy is not Policy.ERP_WINS
        return self.owner is Owner.PLM


OwnerSpec = Annotated[
    AttributeOwner,
    BeforeValidator(_owner_shorthand, json_schema_input_type=Owner | AttributeOwner),
]
OwnershipTable = dict[ObjectKind, dict[str, OwnerSpec]]

PLM, ERP = AttributeOwner(owner=Owner.PLM), AttributeOwner(owner=Owner.ERP)

# The record fields (see domain/state.py) are PLM's: identity, name, description, unit,
# revision, BOM structure, routing, documents, approved sources. The ERP-owned names are
# listed so that the table says what plmsync leaves alone (records never carry them).
DEFAULT_OWNERSHIP: dict[ObjectKind, dict[str, AttributeOwner]] = {
    ObjectKind.ITEM: {
        **dict.fromkeys(
            ("number", "revision", "name", "description", "uom", "item_type", "make_buy"), PLM
        ),
        **dict.fromkeys(
            (
                "list_price",
                "cost_price",
                "standard_cost",
                "lead_time",
                "lot_size",
                "min_order_quantity",
                "safety_stock",
                "reorder_point",
                "mrp_type",
                "planner",
                "buyer",
            ),
            ERP,
        ),
    },
    ObjectKind.BOM: dict.fromkeys(("item", "revision", "lines"), PLM),
    ObjectKind.ROUTING: {
        **dict.fromkeys(("item", "revision", "operations"), PLM),
        **dict.fromkeys(("labour_rate", "machine_rate", "queue_time"), ERP),
    },
    ObjectKind.DOCUMENT: dict.fromkeys(
        ("item", "number", "revision", "title", "doc_type", "url"), PLM
    ),
    ObjectKind.SOURCE: {
        **dict.fromkeys(("item", "supplier", "manufacturer", "mpn", "status"), PLM),
        **dict.fromkeys(
            ("price", "currency", "lead_time", "min_order_quantity", "purchase_uom"), ERP
        ),
    },
}

# Natural keys and revisions: an ERP owner for these would let two systems disagree about
# *which* object or revision a record is, so they are always PLM's.
IDENTITY: dict[ObjectKind, frozenset[str]] = {
    ObjectKind.ITEM: frozenset({"number", "revision"}),
    ObjectKind.BOM: frozenset({"item", "revision"}),
    ObjectKind.ROUTING: frozenset({"item", "revision"}),
    ObjectKind.DOCUMENT: frozenset({"item", "number", "revision"}),
    ObjectKind.SOURCE: frozenset({"item", "supplier", "mpn"}),
}


def _with_defaults(given: OwnershipTable) -> dict[ObjectKind, dict[str, AttributeOwner]]:
    """The configured table overrides the defaults attribute by attribute."""
    table = {kind: {**DEFAULT_OWNERSHIP[kind], **given.get(kind, {})} for kind in ObjectKind}
    for kind, attributes in table.items():
        for name in sorted(IDENTITY[kind]):
            if attributes[name].owner is not Owner.PLM:
                raise RuleError((kind.value, name), f"{kind} {name} is identity: always plm")
    return table


# --- triggers ------------------------------------------------------------------------------


class Trigger(_Rules):
    """Changes of this kind sync once they reach one of these states."""

    kind: ChangeKind
    states: tuple[ChangeState, ...] = Field(min_length=1)


DEFAULT_TRIGGERS = (
    Trigger(kind=ChangeKind.RELEASE, states=(ChangeState.RELEASED,)),
    Trigger(kind=ChangeKind.ECO, states=(ChangeState.APPROVED, ChangeState.RELEASED)),
    Trigger(kind=ChangeKind.MCO, states=(ChangeState.APPROVED, ChangeState.RELEASED)),
)


# --- plant and region rules ----------------------------------------------------------------


class PhantomHandling(StrEnum):
    KEEP = "keep"  # the phantom stays a line of its parent
    FLATTEN = "flatten"  # the phantom's line is replaced by its own lines, multiplied out


class Substitution(_Rules):
    """In this plant or region, BOM lines using `replace` use `by` instead."""

    replace: Code = Field(description="Component the engineering BOM uses.")
    by: Code = Field(description="Component this plant or region builds with.")
    parent: Code | None = Field(default=None, description="Only in this parent's BOM.")
    name: str = Field(default="", description="A name shown in plans and review tasks.")

    @model_validator(mode="after")
    def _not_itself(self) -> Substitution:
        if self.replace == self.by:
            raise RuleError(("by",), f"{self.replace} cannot substitute itself")
        return self


class AttributeRequirement(_Rules):
    """Items must carry these attributes with a truthy value (true, a non-zero number, or
    text other than "", "no", "false", "0", "n", "none")."""

    attributes: tuple[str, ...] = Field(min_length=1)
    item_types: tuple[ItemType, ...] | None = Field(
        default=None, description="Only items of these types; every type when omitted."
    )

    def applies_to(self, item_type: ItemType) -> bool:
        return self.item_types is None or item_type in self.item_types


def _requirement_shorthand(value: object) -> object:
    """`required_attributes: [rohs, reach]` is short for one requirement on every item type."""
    if isinstance(value, list | tuple) and value and all(isinstance(v, str) for v in value):
        return [{"attributes": list(value)}]
    return value


RequiredAttributes = Annotated[
    tuple[AttributeRequirement, ...],
    BeforeValidator(
        _requirement_shorthand,
        json_schema_input_type=list[str] | list[AttributeRequirement],
    ),
]


class SiteRules(_Rules):
    """Rules for one plant (under `plants:`) or every plant of a region (under `regions:`).
    Where both speak, the plant's rule wins."""

    substitutions: tuple[Substitution, ...] = ()
    use_plm_substitutes: bool | None = Field(
        default=None,
        description="Build with the PLM line substitute meant for this plant or region "
        "(lowest priority number first) instead of the primary component.",
    )
    preferred_regions: tuple[Code, ...] = Field(
        default=(),
        description="Local sourcing: when an item has sources of these regions, the plant "
        "buys only from those.",
    )
    phantom: PhantomHandling | None = Field(default=None, description="Default: keep.")
    make_buy: dict[Code, MakeBuy] = Field(
        default_factory=dict, description="Item number → make or buy in this plant."
    )
    required_attributes: RequiredAttributes = ()


class ExportControl(_Rules):
    """Items carrying an export-control classification never reach the listed plants."""

    attribute: str = Field(default="export_control", description="Item attribute with the ECCN.")
    exempt: tuple[str, ...] = Field(
        default=("EAR99",), description="Classifications that travel freely."
    )
    excluded_plants: tuple[Code, ...] = ()
    excluded_regions: tuple[Code, ...] = ()

    def classification(self, attributes: Mapping[str, Any]) -> str:
        """The item's classification if it restricts shipping, else ""."""
        value = attributes.get(self.attribute)
        text = "" if value is None or value is False else str(value).strip()
        return "" if text.upper() in {e.upper() for e in self.exempt} else text


# --- approval checkpoints ------------------------------------------------------------------


class CheckpointName(StrEnum):
    SUBSTITUTION_CHANGES_COMPLIANCE = "substitution_changes_compliance"
    SUPPLIER_CHANGE = "supplier_change"
    QUANTITY_CHANGE_ABOVE_PCT = "quantity_change_above_pct"
    ERP_DRIFT_CONFLICT = "erp_drift_conflict"
    EXPORT_CONTROL_HIT = "export_control_hit"


DEFAULT_REVIEWERS: dict[CheckpointName, str] = {
    CheckpointName.SUBSTITUTION_CHANGES_COMPLIANCE: "compliance",
    CheckpointName.SUPPLIER_CHANGE: "purchasing",
    CheckpointName.QUANTITY_CHANGE_ABOVE_PCT: "engineering",
    CheckpointName.ERP_DRIFT_CONFLICT: "integration_admin",
    CheckpointName.EXPORT_CONTROL_HIT: "trade_compliance",
}


class Checkpoints(_Rules):
    """Conditions that hold a change for a person's approval before anything is posted."""

    substitution_changes_compliance: bool = True
    supplier_change: bool = False
    quantity_change_above_pct: Decimal | None = Field(
        default=None, ge=0, description="Hold BOM quantity changes above this percentage."
    )
    erp_drift_conflict: bool = True
    export_control_hit: bool = True
    compliance_attributes: tuple[str, ...] = Field(
        default=("rohs", "reach"),
        description="Attributes a plant substitution must not change without review.",
    )
    owners: dict[CheckpointName, str] = Field(
        default_factory=dict, description="Checkpoint → the role that reviews it."
    )

    def enabled(self, name: CheckpointName) -> bool:
        value = getattr(self, name.value)
        return value is not None and value is not False

    def owner_of(self, name: CheckpointName) -> str:
        return self.owners.get(name, DEFAULT_REVIEWERS[name])


# --- the whole -----------------------------------------------------------------------------

ErrorRouteKey = Annotated[
    str,
    Field(
        pattern=r"^(PLMSYNC-[A-Z0-9-]*|[A-Z][A-Za-z0-9]*)$",
        description="An error code or code prefix (PLMSYNC-BOM-), or an error class name.",
    ),
]


class Rules(_Rules):
    """Everything under `rules:` in plmsync.yaml."""

    ownership: OwnershipTable = Field(
        default_factory=lambda: DEFAULT_OWNERSHIP,
        description="Object kind → attribute → plm | erp | {owner: shared, policy: …}; "
        "overrides the defaults attribute by attribute.",
    )
    triggers: tuple[Trigger, ...] = DEFAULT_TRIGGERS
    required_attributes: RequiredAttributes = Field(
        default=(), description="Attributes every plant requires."
    )
    regions: dict[Code, SiteRules] = Field(default_factory=dict)
    plants: dict[Code, SiteRules] = Field(default_factory=dict)
    export_control: ExportControl = ExportControl()
    checkpoints: Checkpoints = Checkpoints()
    error_routing: dict[ErrorRouteKey, str] = Field(
        default_factory=dict, description="Error code prefix or class name → role or queue."
    )

    @field_validator("ownership", mode="after")
    @classmethod
    def _ownership_over_defaults(cls, given: OwnershipTable) -> OwnershipTable:
        return _with_defaults(given)

    @field_validator("triggers", mode="after")
    @classmethod
    def _one_trigger_per_kind(cls, triggers: tuple[Trigger, ...]) -> tuple[Trigger, ...]:
        seen: set[ChangeKind] = set()
        for position, trigger in enumerate(triggers):
            if trigger.kind in seen:
                raise RuleError((position, "kind"), f"a second trigger for {trigger.kind}")
            seen.add(trigger.kind)
        return triggers

    def for_plant(self, plant: str, region: str = "") -> PlantRules:
        return resolve_plant_rules(self, plant, region)


DEFAULT_RULES = Rules()


# --- one plant's rules, resolved -----------------------------------------------------------


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Labelled(Generic[T]):
    """A rule value with the place it was configured, e.g. `regions.EU.phantom`: plans and
    review tasks name the rule that produced each difference."""

    rule: str
    value: T


@dataclass(frozen=True)
class PlantRules:
    """The plant and region rules that apply to one plant, merged (plant first)."""

    plant: str
    region: str = ""
    substitutions: tuple[Labelled[Substitution], ...] = ()
    plm_substitutes: Labelled[bool] | None = None
    preferred_regions: Labelled[tuple[str, ...]] | None = None
    phantom: Labelled[PhantomHandling] | None = None
    make_buy: Mapping[str, Labelled[MakeBuy]] | None = None
    required_attributes: tuple[Labelled[AttributeRequirement], ...] = ()
    export_excluded: Labelled[ExportControl] | None = None

    @property
    def flattens_phantoms(self) -> bool:
        return self.phantom is not None and self.phantom.value is PhantomHandling.FLATTEN

    @property
    def changes_the_engineering_view(self) -> bool:
        return bool(
            self.substitutions
            or (self.plm_substitutes and self.plm_substitutes.value)
            or self.preferred_regions
            or self.flattens_phantoms
            or self.make_buy
            or self.export_excluded
        )


def resolve_plant_rules(rules: Rules, plant: str, region: str = "") -> PlantRules:
    scopes = _scopes(rules, plant, region)  # most specific first
    return PlantRules(
        plant=plant,
        region=region,
        substitutions=tuple(
            Labelled(_substitution_label(path, n, s), s)
            for path, site in scopes
            for n, s in enumerate(site.substitutions)
        ),
        plm_substitutes=_first(scopes, "use_plm_substitutes"),
        preferred_regions=_first(scopes, "preferred_regions"),
        phantom=_first(scopes, "phantom"),
        make_buy=_make_buy(scopes),
        required_attributes=_requirements(rules, scopes),
        export_excluded=_export_rule(rules.export_control, plant, region),
    )


def _scopes(rules: Rules, plant: str, region: str) -> list[tuple[str, SiteRules]]:
    scopes = [(f"plants.{plant}", rules.plants.get(plant))]
    scopes.append((f"regions.{region}", rules.regions.get(region) if region else None))
    return [(path, site) for path, site in scopes if site is not None]


def _substitution_label(path: str, position: int, substitution: Substitution) -> str:
    label = f"{path}.substitutions[{position}]"
    return f"{label} ({substitution.name})" if substitution.name else label


def _first(scopes: list[tuple[str, SiteRules]], attribute: str) -> Labelled[Any] | None:
    """The most specific scope that sets `attribute` (unset = None or empty)."""
    for path, site in scopes:
        value = getattr(site, attribute)
        if value is not None and value != ():
            return Labelled(f"{path}.{attribute}", value)
    return None


def _make_buy(scopes: list[tuple[str, SiteRules]]) -> dict[str, Labelled[MakeBuy]]:
    merged: dict[str, Labelled[MakeBuy]] = {}
    for path, site in reversed(scopes):  # region first, so the plant overrides it
        for item, choice in site.make_buy.items():
            merged[item] = Labelled(f"{path}.make_buy.{item}", choice)
    return merged


def _requirements(
    rules: Rules, scopes: list[tuple[str, SiteRules]]
) -> tuple[Labelled[AttributeRequirement], ...]:
    """Requirements add up: every plant's, the region's and the plant's own."""
    everywhere = [("required_attributes", rules.required_attributes)]
    local = [(f"{path}.required_attributes", site.required_attributes) for path, site in scopes]
    return tuple(
        Labelled(f"{path}[{n}]", requirement)
        for path, requirements in [*everywhere, *reversed(local)]
        for n, requirement in enumerate(requirements)
    )


def _export_rule(control: ExportControl, plant: str, region: str) -> Labelled[ExportControl] | None:
    if plant in control.excluded_plants:
        return Labelled("export_control.excluded_plants", control)
    if region and region in control.excluded_regions:
        return Labelled("export_control.excluded_regions", control)
    return None
