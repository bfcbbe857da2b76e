"""Compare what a plant should hold with what its ERP holds: one step per object.

Pure and cheap: records are frozen dataclasses, so "unchanged" is one equality test and only
objects that differ are looked at field by field. Only objects the package speaks for are
compared; anything else in ERP is left alone.

Ownership (`rules.ownership`) decides which record fields plmsync may write: a field owned by
the ERP keeps the ERP's value in the step's desired record, so it never counts as a change and
never appears in `Step.changed_fields` (see domain/ownership.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields

from plmsync.domain.ownership import protect, writable_fields
from plmsync.domain.plan import Action, LineChange, Step
from plmsync.domain.rules import DEFAULT_RULES, Rules
from plmsync.domain.state import (
    BomLineRecord,
    BomRecord,
    ObjectKind,
    Record,
    TargetState,
)

# For these kinds a different revision means a new ERP record next to the old one.
_REVISIONED = {ObjectKind.BOM, ObjectKind.ROUTING, ObjectKind.DOCUMENT}
# For these kinds the package lists every wanted record of an item, so extras are retired.
_COMPLETE_PER_ITEM = {ObjectKind.DOCUMENT, ObjectKind.SOURCE}


def diff(desired: TargetState, actual: TargetState, rules: Rules = DEFAULT_RULES) -> list[Step]:
    steps: list[Step] = []
    for kind in ObjectKind:
        declared = desired.complete_for.get(kind, frozenset())
        writable = writable_fields(kind, rules)
        steps.extend(
            _diff_kind(kind, desired.of_kind(kind), actual.of_kind(kind), declared, writable)
        )
    return steps


def _diff_kind(
    kind: ObjectKind,
    desired: dict[str, Record],
    actual: dict[str, Record],
    declared: frozenset[str],
    writable: frozenset[str],
) -> Iterator[Step]:
    for key, wanted in desired.items():
        current = actual.get(key)
        yield _compare(kind, key, protect(wanted, current, writable), current)
    if kind in _COMPLETE_PER_ITEM:
        yield from _retirements(kind, desired, actual, declared)


def _compare(kind: ObjectKind, key: str, wanted: Record, current: Record | None) -> Step:
    if current is None:
        return Step(kind, Action.CREATE, key, wanted, None, line_changes=_lines(wanted, None))
    if wanted == current:
        return Step(kind, Action.UNCHANGED, key, wanted, current)
    action = _action_for_difference(kind, wanted, current)
    changed = changed_fields(wanted, current)
    return Step(kind, action, key, wanted, current, changed, _lines(wanted, current))


def _action_for_difference(kind: ObjectKind, wanted: Record, current: Record) -> Action:
    revision_moved = getattr(wanted, "revision", None) != getattr(current, "revision", None)
    return Action.SUPERSEDE if kind in _REVISIONED and revision_moved else Action.UPDATE


def changed_fields(wanted: Record, current: Record) -> tuple[str, ...]:
    return tuple(
        f.name for f in fields(wanted) if getattr(wanted, f.name) != getattr(current, f.name)
    )


def _retirements(
    kind: ObjectKind,
    desired: dict[str, Record],
    actual: dict[str, Record],
    declared: frozenset[str],
) -> Iterator[Step]:
    items_spoken_for = declared | {_item_of(record) for record in desired.values()}
    for key, current in actual.items():
        if key not in desired and _item_of(current) in items_spoken_for:
            yield Step(kind, Action.RETIRE, key, None, current)


def _item_of(record: Record) -> str:
    """The item a document or source belongs to (items are their own)."""
    return str(getattr(record, "item", None) or getattr(record, "number", ""))


def _lines(wanted: Record, current: Record | None) -> tuple[LineChange, ...]:
    if not isinstance(wanted, BomRecord):
        return ()
    before = current.lines if isinstance(current, BomRecord) else ()
    return line_changes(before, wanted.lines)


def line_changes(
    before: tuple[BomLineRecord, ...], after: tuple[BomLineRecord, ...]
) -> tuple[LineChange, ...]:
    """Lines added, removed and changed, matched by find number."""
    old = {line.find_number: line for line in before}
    new = {line.find_number: line for line in after}
    changes = [
        LineChange(n, "removed", line, None) for n, line in old.items() if n not in new
    ]
    for n, line in new.items():
        previous = old.get(n)
        if previous is None:
            changes.append(LineChange(n, "added", None, line))
        elif previous != line:
            changes.append(LineChange(n, "changed", previous, line))
    return tuple(sorted(changes, key=lambda c: c.find_number))
