"""Attribute ownership applied to records: which fields plmsync may write, and a desired
record with everything else left as the ERP has it.

Records (domain/state.py) carry only attributes PLM owns by default. When the rules hand one
of them to the ERP (say `item.description: erp`), diff compares and posts the record with the
ERP's own value in that field, so the field never shows up as a change, a re-sync never
overwrites it and `Step.changed_fields` lists writable fields only.
"""

from __future__ import annotations

from dataclasses import MISSING, Field, fields, replace
from typing import Any, TypeVar

from plmsync.domain.rules import DEFAULT_RULES, Owner, Policy, Rules
from plmsync.domain.state import KIND_OF, ObjectKind, Record

R = TypeVar("R", bound=Record)

RECORD_FIELDS: dict[ObjectKind, tuple[str, ...]] = {
    kind: tuple(f.name for f in fields(record_type)) for record_type, kind in KIND_OF.items()
}
# diff protects every record it compares: the common case (plmsync owns every recorded field)
# must cost one set comparison, not a walk over the fields.
_FIELD_NAMES: dict[type, frozenset[str]] = {
    record_type: frozenset(RECORD_FIELDS[kind]) for record_type, kind in KIND_OF.items()
}


def writable_fields(kind: ObjectKind, rules: Rules = DEFAULT_RULES) -> frozenset[str]:
    """The fields of `kind`'s record plmsync may write. A field the table does not name is
    PLM's: records hold nothing else."""
    table = rules.ownership.get(kind, {})
    return frozenset(
        name for name in RECORD_FIELDS[kind] if name not in table or table[name].writable
    )


def review_fields(kind: ObjectKind, rules: Rules = DEFAULT_RULES) -> frozenset[str]:
    """Attributes (recorded or not) whose drift in ERP goes to a person, not to a heal."""
    return frozenset(
        name
        for name, owner in rules.ownership.get(kind, {}).items()
        if owner.owner is Owner.SHARED and owner.policy is Policy.REVIEW
    )


def protect(wanted: R, current: R | None, writable: frozenset[str]) -> R:
    """`wanted` with every field plmsync may not write taken from what ERP holds.

    A record ERP does not have yet gets the field's empty default where it has one (the ERP's
    owner fills it in); a field the record cannot be created without (a unit, a name) is
    seeded from PLM once and left to the ERP afterwards."""
    if writable >= _FIELD_NAMES[type(wanted)]:
        return wanted
    protected = [f for f in fields(wanted) if f.name not in writable]
    values = {f.name: _kept(f, wanted, current) for f in protected}
    return replace(wanted, **values)


def _kept(field: Field[Any], wanted: Record, current: Record | None) -> Any:
    if current is not None:
        return getattr(current, field.name)
    return getattr(wanted, field.name) if field.default is MISSING else field.default
