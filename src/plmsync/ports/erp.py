"""The outbound port: what plmsync needs from any ERP, and nothing more.

Every adapter (Tryton today; others later) and every fake implements `ErpTarget` and passes
the shipped contract suite in `plmsync.testing.erp_contract`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from plmsync.domain.plan import Step
from plmsync.domain.state import ObjectKind, TargetState


@dataclass(frozen=True, slots=True)
class ChangeRef:
    """Which change and plant a posting belongs to; recorded on every ERP record it touches."""

    number: str
    plant: str
    event_id: str = ""


@dataclass(frozen=True, slots=True)
class Posting:
    """The outcome of one applied step: which ERP records carry it."""

    step_key: str
    kind: ObjectKind
    action: str
    erp_model: str
    record_ids: tuple[int | str, ...]


@dataclass(frozen=True)
class ErpCapabilities:
    """What a target can express. Plan-time checks use it so nothing is silently dropped."""

    line_effectivity: bool = False
    reference_designators: bool = True
    substitutes: bool = False
    # canonical unit code → decimal digits the ERP keeps for quantities in that unit
    unit_digits: Mapping[str, int] = field(default_factory=dict)


@runtime_checkable
class ErpTarget(Protocol):
    @property
    def name(self) -> str: ...

    def check(self) -> None:
        """Raise AuthError / ConfigError / TransientError when the target cannot be used."""

    def capabilities(self) -> ErpCapabilities: ...

    def read(self, item_numbers: Collection[str]) -> TargetState:
        """The live state of these items in bulk: the items that exist, the BOM and routing
        in use for each, the plmsync-managed documents linked to them and their sources.
        Missing items are simply absent."""

    def apply(self, change: ChangeRef, steps: Sequence[Step]) -> list[Posting]:
        """Post steps in the given order, in bulk where possible. Unchanged steps are
        ignored. Raises a ConnectorError subclass; a rejected call leaves nothing behind."""

    def stage(self, change: ChangeRef, steps: Sequence[Step]) -> list[Posting]:
        """Prepare a future-effective change without touching what production uses: create
        new items, and new BOM / routing revisions that are NOT in use (Tryton: a BOM record
        not linked first on the product). Idempotent (a staged record is found again by item
        and revision). At the effective date `apply` of a fresh plan puts the staged records
        in use — it must find and reuse them, never create a second record. Steps other than
        those `plmsync.pipeline.stage.stageable` selects are ignored."""

    def close(self) -> None: ...
