"""A plan: the ordered, minimal list of ERP postings that makes one plant match a change."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields, is_dataclass
from decimal import Decimal
from enum import StrEnum

from plmsync.domain.issues import Issue
from plmsync.domain.state import BomLineRecord, ObjectKind, Record


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    SUPERSEDE = "supersede"  # a new revision replaces the one in use; the old one is kept
    RETIRE = "retire"  # no longer wanted (e.g. a source dropped from the AVL); deactivated
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class LineChange:
    """One BOM line added, removed or changed between what ERP uses and what PLM released."""

    find_number: int
    change: str  # "added" | "removed" | "changed"
    before: BomLineRecord | None
    after: BomLineRecord | None


@dataclass(frozen=True, slots=True)
class Step:
    kind: ObjectKind
    action: Action
    key: str
    desired: Record | None
    current: Record | None
    changed_fields: tuple[str, ...] = ()
    line_changes: tuple[LineChange, ...] = ()

    @property
    def revision(self) -> str:
        record = self.desired or self.current
        return str(getattr(record, "revision", ""))

    @property
    def content_hash(self) -> str:
        return fingerprint(self.desired)

    def idempotency_key(self, change: str, plant: str) -> str:
        """Same change, plant, object, revision, operation and content → same key."""
        parts = (change, plant, self.kind, self.key, self.revision, self.action, self.content_hash)
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def fingerprint(record: Record | None) -> str:
    """A stable hash of a record's content: records that compare equal hash alike.

    Hashing the plain repr would tell Decimal("1") from Decimal("1.0"), which diff rightly
    treats as equal; so quantities are hashed in a canonical form first."""
    return hashlib.sha256(repr(_canonical(record)).encode()).hexdigest()[:16]


def _canonical(value: object) -> object:
    if is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, *(_canonical(getattr(value, f.name)) for f in fields(value)))
    if isinstance(value, tuple):
        return tuple(_canonical(v) for v in value)
    if isinstance(value, Decimal):
        return _decimal_text(value)
    return value


def _decimal_text(value: Decimal) -> str:
    """One text per numeric value (1, 1.0 and 1.000 alike), exact: no context rounding."""
    if not value.is_finite():
        return str(value)
    if value.is_zero():
        return "0"
    sign, digits, _ = value.as_tuple()
    coefficient = "".join(map(str, digits)).rstrip("0")
    return f"{'-' if sign else ''}{coefficient}E{value.adjusted()}"


@dataclass(frozen=True)
class Plan:
    change: str
    plant: str
    steps: tuple[Step, ...]
    warnings: tuple[Issue, ...] = field(default_factory=tuple)

    @property
    def actionable(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.action is not Action.UNCHANGED)

    @property
    def is_empty(self) -> bool:
        return not self.actionable

    def count(self, action: Action) -> int:
        return sum(1 for s in self.steps if s.action is action)
