"""Checks of a change's time line: BOM line effectivity windows and lifecycle transitions.

Effectivity: lines of one parent that share a find number replace each other over time (the
old component until a date, the new one from it). Their windows must neither overlap (two
components built at once) nor leave a gap (nothing built at that position). A window runs from
`effective_from` (inclusive) to `effective_to` (exclusive), open where a date is missing; lines
meant for different plants never conflict. Lines are compared by find number, not component:
the same screw at two positions is normal.

Lifecycle: each affected item's from → to revision must move forward, name the revision the
package carries, and not add a revision to an item PLM has retired. Revisions compare
naturally (domain/revision.py): A < Z < AA, 9 < 10, numbered prototypes before letters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from itertools import combinations

from plmsync.domain.issues import Issue, issue
from plmsync.domain.package import AffectedItem, Bom, BomLine, ChangePackage, Item, LifecycleState
from plmsync.domain.revision import compare_revisions

_RETIRED = {LifecycleState.OBSOLETE, LifecycleState.SUPERSEDED}


# --- effectivity windows -------------------------------------------------------------------


def effectivity_window_issues(package: ChangePackage) -> Iterator[Issue]:
    for bom in package.boms:
        for find_number, lines in _dated_groups(bom):
            valid = [ln for ln in lines if not _empty(ln)]  # empty windows: RANGE reports them
            yield from _overlaps(bom, find_number, valid)
            yield from _gaps(bom, find_number, valid)


def is_dated(line: BomLine) -> bool:
    return line.effective_from is not None or line.effective_to is not None


def _dated_groups(bom: Bom) -> Iterator[tuple[int, list[BomLine]]]:
    """Find numbers used by several lines of which at least one has dates (undated repeats
    are duplicate find numbers, reported as such)."""
    groups: dict[int, list[BomLine]] = {}
    for line in bom.lines:
        groups.setdefault(line.find_number, []).append(line)
    for find_number in sorted(groups):
        lines = groups[find_number]
        if len(lines) > 1 and any(is_dated(ln) for ln in lines):
            yield find_number, sorted(lines, key=_window)


def _window(line: BomLine) -> tuple[dt.date, dt.date]:
    return (line.effective_from or dt.date.min, line.effective_to or dt.date.max)


def _empty(line: BomLine) -> bool:
    start, end = _window(line)
    return end <= start


def _share_a_plant(a: BomLine, b: BomLine) -> bool:
    return a.plants is None or b.plants is None or bool(set(a.plants) & set(b.plants))


def _overlaps(bom: Bom, find_number: int, lines: Sequence[BomLine]) -> Iterator[Issue]:
    for a, b in combinations(lines, 2):
        (a_start, a_end), (b_start, b_end) = _window(a), _window(b)
        if _share_a_plant(a, b) and max(a_start, b_start) < min(a_end, b_end):
            yield issue(
                "PLMSYNC-EFFECTIVITY-OVERLAP",
                f"find number {find_number} of {bom.item}: {a.component} {_span(a)} and "
                f"{b.component} {_span(b)} are valid at the same time",
                "bom_line",
                f"{bom.item}#{find_number}",
            )


def _gaps(bom: Bom, find_number: int, lines: Sequence[BomLine]) -> Iterator[Issue]:
    for line in lines:
        end = line.effective_to
        if end is None:
            continue
        neighbours = [other for other in lines if _share_a_plant(line, other)]
        covered = any(_window(o)[0] <= end < _window(o)[1] for o in neighbours)
        later = [_window(o)[0] for o in neighbours if _window(o)[0] > end]
        if later and not covered:
            yield issue(
                "PLMSYNC-EFFECTIVITY-GAP",
                f"find number {find_number} of {bom.item}: no line is valid from {end} "
                f"until {min(later)} ({line.component} ends {end})",
                "bom_line",
                f"{bom.item}#{find_number}",
            )


def _span(line: BomLine) -> str:
    start = line.effective_from.isoformat() if line.effective_from else "always"
    end = line.effective_to.isoformat() if line.effective_to else "on"
    return f"({start} → {end})"


# --- lifecycle transitions -----------------------------------------------------------------


def lifecycle_issues(package: ChangePackage) -> Iterator[Issue]:
    items = {i.number: i for i in package.items}
    for affected in package.change.affected_items:
        yield from _backwards(affected)
        item = items.get(affected.number)
        if item is not None:
            yield from _item_transition(affected, item)


def _backwards(affected: AffectedItem) -> Iterator[Issue]:
    before, after = affected.from_revision, affected.to_revision
    if before and after and compare_revisions(before, after) > 0:
        yield issue(
            "PLMSYNC-LIFECYCLE-REVISION-BACKWARDS",
            f"item {affected.number} goes from rev {before} back to rev {after}",
            "item",
            affected.number,
        )


def _item_transition(affected: AffectedItem, item: Item) -> Iterator[Issue]:
    after = affected.to_revision
    if after and after != item.revision:
        yield issue(
            "PLMSYNC-LIFECYCLE-REVISION-MISMATCH",
            f"the change releases {item.number} rev {after}, but the package carries "
            f"rev {item.revision}",
            "item",
            item.number,
        )
    adds_a_revision = bool(after) and after != affected.from_revision
    if adds_a_revision and item.lifecycle_state in _RETIRED:
        yield issue(
            "PLMSYNC-LIFECYCLE-OBSOLETE",
            f"the change releases rev {after} of {item.number}, which is {item.lifecycle_state}",
            "item",
            item.number,
        )
