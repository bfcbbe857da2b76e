"""Canonical change-package contract, version 1.

This is the edge of plmsync: every PLM source (file, webhook, broker, poll) produces one of
these. Field names are the public contract: fields may be added, never renamed. Models reject
unknown fields so that a typo in a PLM mapping is a clear error rather than silently lost data.
Quantities are `Decimal` (never binary floats); timestamps must carry a timezone.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
)

SCHEMA_VERSION = "1"


def _strip(value: str) -> str:
    return value.strip()


Code = Annotated[str, AfterValidator(_strip), Field(min_length=1, max_length=120)]
"""An identifier from the PLM (item number, plant code, unit code): trimmed, never empty."""

Quantity = Annotated[Decimal, Field(allow_inf_nan=False)]


def _json_number(value: Any) -> Any:
    """Free-form values as JSON writes them back: a number read exactly as a Decimal (the edge
    parses every JSON number so) goes out as a number again, not as text, so a package's own
    JSON reads back as the same package. A Decimal no float can hold exactly stays text."""
    if isinstance(value, dict):
        return {key: _json_number(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_number(item) for item in value]
    if isinstance(value, Decimal) and value.is_finite():
        if value == value.to_integral_value():
            return int(value)  # 10.0 goes out as 10: it reads back as an equal Decimal
        as_float = float(value)
        return as_float if Decimal(repr(as_float)) == value else str(value)
    return value


FreeForm = Annotated[dict[str, Any], PlainSerializer(_json_number, when_used="json")]
"""Attributes the contract does not model (compliance flags, masses, …), kept as sent."""

def _whole_number(value: object) -> object:
    """Integers, and whole numbers written as decimals (10.0, as spreadsheets export them);
    never booleans, which Python would otherwise count as 0 and 1."""
    if isinstance(value, bool):
        raise ValueError("must be a whole number, not true/false")
    if isinstance(value, float):
        value = Decimal(str(value)) if math.isfinite(value) else value
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    return value


Position = Annotated[int, BeforeValidator(_whole_number), Field(strict=True)]
"""A find number or operation sequence."""


class _Contract(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class ChangeKind(StrEnum):
    RELEASE = "release"
    ECR = "ecr"
    ECO = "eco"
    ECN = "ecn"
    MCO = "mco"
    DEVIATION = "deviation"


class ChangeState(StrEnum):
    DRAFT = "draft"
    IN_WORK = "in_work"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    RELEASED = "released"
    EFFECTIVE = "effective"
    CANCELLED = "cancelled"


class ItemType(StrEnum):
    PART = "part"
    ASSEMBLY = "assembly"
    RAW_MATERIAL = "raw_material"
    PHANTOM = "phantom"
    TOOLING = "tooling"


class LifecycleState(StrEnum):
    IN_WORK = "in_work"
    RELEASED = "released"
    SUPERSEDED = "superseded"
    OBSOLETE = "obsolete"


class MakeBuy(StrEnum):
    MAKE = "make"
    BUY = "buy"


class Disposition(StrEnum):
    USE_UP = "use_up"
    USE_AS_IS = "use_as_is"
    REWORK = "rework"
    SCRAP = "scrap"


class SourceStatus(StrEnum):
    APPROVED = "approved"
    PREFERRED = "preferred"
    CONDITIONAL = "conditional"
    DISQUALIFIED = "disqualified"
    OBSOLETE = "obsolete"


class EventSource(BaseModel):
    """Where the package came from. Extra keys are kept: PLMs add their own envelope data."""

    model_config = ConfigDict(extra="allow", frozen=True)

    system: Code
    event_id: Code
    emitted_at: AwareDatetime


class Approval(_Contract):
    approver: Code
    role: str = ""
    decision: Literal["approved", "rejected", "abstained"] = "approved"
    at: AwareDatetime
    comment: str = ""


class PlantEffectivity(_Contract):
    plant: Code
    effective_from: dt.date
    effective_to: dt.date | None = None


class ItemDisposition(_Contract):
    stock: Disposition | None = None
    wip: Disposition | None = None


class AffectedItem(_Contract):
    number: Code
    from_revision: str | None = None
    to_revision: str | None = None
    disposition: ItemDisposition | None = None


class Change(_Contract):
    number: Code
    kind: ChangeKind
    state: ChangeState
    title: str = ""
    reason: str = ""
    priority: Literal["low", "normal", "high", "urgent"] = "normal"
    approved_at: AwareDatetime | None = None
    approvals: tuple[Approval, ...] = ()
    plants: tuple[PlantEffectivity, ...] = ()
    affected_items: tuple[AffectedItem, ...] = ()


class Item(_Contract):
    number: Code
    revision: Code
    name: str
    uom: Code
    item_type: ItemType
    lifecycle_state: LifecycleState
    make_buy: MakeBuy
    description: str = ""
    attributes: FreeForm = Field(default_factory=dict)


class Substitute(_Contract):
    component: Code
    quantity: Quantity | None = None
    uom: Code | None = None
    priority: int = 1
    plants: tuple[Code, ...] | None = None
    regions: tuple[Code, ...] | None = None


class BomLine(_Contract):
    find_number: Position
    component: Code
    quantity: Quantity
    uom: Code
    reference_designators: tuple[Code, ...] = ()
    substitutes: tuple[Substitute, ...] = ()
    plants: tuple[Code, ...] | None = None
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    notes: str = ""


class Bom(_Contract):
    item: Code
    revision: Code
    lines: tuple[BomLine, ...]


class Operation(_Contract):
    sequence: Position
    operation: str
    work_center: Code
    setup_time: Quantity | None = None
    run_time: Quantity | None = None
    time_uom: Code = "MIN"


class Routing(_Contract):
    item: Code
    revision: Code
    plant: Code
    operations: tuple[Operation, ...]


class Document(_Contract):
    number: Code
    revision: Code
    title: str
    doc_type: str = "document"
    url: str
    items: tuple[Code, ...] = ()


class ItemSourcing(_Contract):
    """One approved manufacturer part (AML) bought from one supplier (AVL)."""

    item: Code
    manufacturer: str
    mpn: Code
    supplier: Code
    status: SourceStatus = SourceStatus.APPROVED
    plants: tuple[Code, ...] | None = None
    regions: tuple[Code, ...] | None = None


class ChangePackage(_Contract):
    """One released change with the whole object graph it touches."""

    schema_version: Literal["1"]
    source: EventSource
    change: Change
    items: tuple[Item, ...] = ()
    boms: tuple[Bom, ...] = ()
    routings: tuple[Routing, ...] = ()
    documents: tuple[Document, ...] = ()
    sources: tuple[ItemSourcing, ...] = ()

    @property
    def plant_codes(self) -> tuple[str, ...]:
        return tuple(p.plant for p in self.change.plants)
