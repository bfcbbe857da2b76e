"""The bookkeeping under `InMemoryErp`: rows with integer ids per model, a write log, snapshots.

Kept apart from `fake_erp` so that the ERP rules there read without the storage details.
Rows are immutable and replaced on write, so a snapshot only copies dicts and lists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum

from plmsync.domain.state import ItemRecord, Record
from plmsync.ports.erp import ChangeRef


class Model(StrEnum):
    """The ERP models the fake keeps (named after what Tryton calls them)."""

    PRODUCT = "product"
    BOM = "bom"
    ROUTING = "routing"
    ATTACHMENT = "attachment"
    PRODUCT_SUPPLIER = "product_supplier"


@dataclass(frozen=True, slots=True)
class StoredRow:
    """One ERP record: its id within its model, its content and the change that last wrote it."""

    model: Model
    id: int
    record: Record
    plm_change: ChangeRef
    active: bool = True


@dataclass(frozen=True, slots=True)
class WriteCall:
    """One write the ERP received; tests count these to prove that a re-run writes nothing."""

    model: Model
    operation: str  # "create" | "write"
    record_id: int
    step_key: str


def item_of(record: Record) -> str:
    return record.number if isinstance(record, ItemRecord) else record.item


@dataclass
class Tables:
    rows: dict[Model, dict[int, StoredRow]] = field(
        default_factory=lambda: {model: {} for model in Model}
    )
    # model → item number → row ids. For BOMs and routings this is the product's list of
    # revisions, the one in use first (the Tryton rule: a product uses its first BOM).
    by_item: dict[Model, dict[str, list[int]]] = field(
        default_factory=lambda: {model: {} for model in Model}
    )
    # model → item number → ids of staged rows on no product's list (Tryton: a BOM record not
    # linked to the product): not in use, yet found again by item and revision.
    unlisted: dict[Model, dict[str, list[int]]] = field(
        default_factory=lambda: {model: {} for model in Model}
    )
    writes: list[WriteCall] = field(default_factory=list)

    def snapshot(self) -> Tables:
        return Tables(
            rows={model: dict(rows) for model, rows in self.rows.items()},
            by_item=_copy_index(self.by_item),
            unlisted=_copy_index(self.unlisted),
            writes=list(self.writes),
        )

    def of_item(self, model: Model, item: str) -> list[StoredRow]:
        """The item's rows of this model, in list order (for BOMs and routings: in use first)."""
        return [self.rows[model][i] for i in self.by_item[model].get(item, ())]

    def find(self, model: Model, item: str, matches: Callable[[Record], bool]) -> StoredRow | None:
        """The first matching row of the item, listed or not: staged rows must be found again."""
        unlisted = [self.rows[model][i] for i in self.unlisted[model].get(item, ())]
        candidates = [*self.of_item(model, item), *unlisted]
        return next((row for row in candidates if matches(row.record)), None)

    def create(
        self, model: Model, record: Record, change: ChangeRef, step_key: str, *, listed: bool = True
    ) -> StoredRow:
        """A new row, at the end of its item's list, or on no list at all (`listed=False`)."""
        row = StoredRow(model, len(self.rows[model]) + 1, record, change)
        self.rows[model][row.id] = row
        index = self.by_item if listed else self.unlisted
        index[model].setdefault(item_of(record), []).append(row.id)
        self._log(model, "create", row.id, step_key)
        return row

    def write(
        self,
        row: StoredRow,
        change: ChangeRef,
        step_key: str,
        *,
        record: Record | None = None,
        active: bool | None = None,
    ) -> StoredRow:
        """Change a row's content or active flag; a write that would change nothing is skipped."""
        updated = replace(
            row,
            record=row.record if record is None else record,
            active=row.active if active is None else active,
            plm_change=change,
        )
        if (updated.record, updated.active) == (row.record, row.active):
            return row
        self.rows[row.model][row.id] = updated
        self._log(row.model, "write", row.id, step_key)
        return updated

    def put_first(self, row: StoredRow, step_key: str) -> None:
        """Make `row` the one in use (a staged row leaves the unlisted index for it); the
        others keep their order behind it."""
        item = item_of(row.record)
        ids = self.by_item[row.model].setdefault(item, [])
        if ids and ids[0] == row.id:
            return
        for listing in (ids, self.unlisted[row.model].get(item, [])):
            if row.id in listing:
                listing.remove(row.id)
        ids.insert(0, row.id)
        # Changing a product's list of BOMs is a write on the product.
        self._log(Model.PRODUCT, "write", self.by_item[Model.PRODUCT][item][0], step_key)

    def _log(self, model: Model, operation: str, record_id: int, step_key: str) -> None:
        self.writes.append(WriteCall(model, operation, record_id, step_key))


def _copy_index(index: dict[Model, dict[str, list[int]]]) -> dict[Model, dict[str, list[int]]]:
    return {model: {item: list(ids) for item, ids in d.items()} for model, d in index.items()}
