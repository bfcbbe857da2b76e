"""Drift, found and healed (pure): compare the records plmsync last posted with what a plant's
ERP holds now, attribute by attribute, and say what healing would post.

Only attributes plmsync may write are compared: an ERP-owned attribute is the ERP's business,
whatever it holds. Which drift is healed and which goes to a person is the caller's choice
(ownership policy `review`, see domain/ownership.review_fields).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping
from decimal import Decimal

from plmsync.domain.codec import kind_of
from plmsync.domain.drift import ErpDrift
from plmsync.domain.ownership import RECORD_FIELDS, writable_fields
from plmsync.domain.plan import Action, Step
from plmsync.domain.rules import DEFAULT_RULES, Rules
from plmsync.domain.state import (
    BomLineRecord,
    ObjectKind,
    OperationRecord,
    Record,
    TargetState,
    state_of,
)
from plmsync.pipeline.plan import plan

EXISTS = "exists"  # the pseudo-attribute of an object the ERP no longer holds (or uses)


def find_drift(
    plant: str, synced: Iterable[Record], live: TargetState, rules: Rules = DEFAULT_RULES
) -> list[ErpDrift]:
    """Every writable attribute whose ERP value differs from the last one posted."""
    found: list[ErpDrift] = []
    for record in synced:
        kind = kind_of(record)
        current = live.of_kind(kind).get(record.key)
        if current is None:
            found.append(ErpDrift(plant, kind, record.key, EXISTS, "yes", "missing"))
            continue
        for name in _compared(kind, rules):
            before, now = getattr(record, name), getattr(current, name)
            if before != now:
                found.append(ErpDrift(plant, kind, record.key, name, shown(before), shown(now)))
    return found


def _compared(kind: ObjectKind, rules: Rules) -> list[str]:
    writable = writable_fields(kind, rules)
    return [name for name in RECORD_FIELDS[kind] if name in writable]


def heal_steps(
    change: str,
    plant: str,
    synced: Iterable[Record],
    live: TargetState,
    keep: Mapping[tuple[str, str], Collection[str]],
    rules: Rules = DEFAULT_RULES,
) -> list[Step]:
    """The steps that put every synced record back, except the attributes in `keep` (per
    (kind, key): drift a person decides on) which stay as the ERP has them. Records the ERP
    holds beyond those plmsync synced are never retired here."""
    wanted = [_with_kept(r, live, keep.get((kind_of(r), r.key), ())) for r in synced]
    healed = plan(change, plant, state_of(wanted), live, rules=rules)
    return [s for s in healed.actionable if s.action is not Action.RETIRE]


def _with_kept(record: Record, live: TargetState, keep: Collection[str]) -> Record:
    current = live.of_kind(kind_of(record)).get(record.key)
    if current is None or not keep:
        return record
    return dataclasses.replace(record, **{name: getattr(current, name) for name in keep})


def shown(value: object) -> str:
    """An attribute value as one line of text (BOM lines and operations summarised)."""
    if isinstance(value, tuple):
        return "; ".join(_part(v) for v in value)
    if isinstance(value, Decimal):
        return _number(value)
    return "" if value is None else str(value)


def _part(value: object) -> str:
    if isinstance(value, BomLineRecord):
        return f"{value.find_number}: {value.component} × {_number(value.quantity)} {value.uom}"
    if isinstance(value, OperationRecord):
        return f"{value.sequence}: {value.operation} @ {value.work_center}"
    return str(value)


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}" if value.is_finite() else str(value)
