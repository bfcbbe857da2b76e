"""Old and new BOM side by side, aligned by find number (a pure view of two BOM records)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from plmsync.domain.state import BomLineRecord, BomRecord


class LineChange(StrEnum):
    SAME = "same"
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True)
class BomRow:
    find_number: int
    old: BomLineRecord | None
    new: BomLineRecord | None

    @property
    def change(self) -> LineChange:
        if self.old is None:
            return LineChange.ADDED
        if self.new is None:
            return LineChange.REMOVED
        return LineChange.SAME if self.old == self.new else LineChange.CHANGED

    @property
    def changed_fields(self) -> list[str]:
        if self.old is None or self.new is None:
            return []
        fields = ("component", "quantity", "uom", "reference_designators")
        return [f for f in fields if getattr(self.old, f) != getattr(self.new, f)]


@dataclass(frozen=True)
class BomComparison:
    item: str
    old_revision: str  # "" when the ERP held no BOM for the item before
    new_revision: str  # "" when the change retires the BOM
    rows: list[BomRow]

    def count(self, change: LineChange | str) -> int:
        return sum(1 for row in self.rows if row.change == change)


def compare(item: str, old: BomRecord | None, new: BomRecord | None) -> BomComparison:
    before = {line.find_number: line for line in (old.lines if old else ())}
    after = {line.find_number: line for line in (new.lines if new else ())}
    rows = [BomRow(n, before.get(n), after.get(n)) for n in sorted(before.keys() | after.keys())]
    return BomComparison(
        item=item,
        old_revision=old.revision if old else "",
        new_revision=new.revision if new else "",
        rows=rows,
    )
