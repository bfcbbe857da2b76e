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
    writes: list[WriteCall] = field(default_factory=list)

    def snapshot(self) -> Tables:
        return Tables(
            rows={model: dict(rows) for model, rows in self.rows.items()},
            by_item={m: {k: list(v) for k, v in d.items()} for m, d in self.by_item.items()},
            writes=list(self.writes),
        )

    def of_item(self, model: Model, item: str) -> list[StoredRow]:
        """The item's rows of this model, in list order (for BOMs and routings: in use first)."""
        return [self.rows[model][i] for i in self.by_item[model].get(item, ())]

    def find(
        self, model: Model, item: str, matches: Callable[[Record], bool]
    ) -> StoredRow | None:
        return next((row for row in self.of_item(model, item) if matches(row.record)), None)

    def create(self, model: Model, record: Record, change: ChangeRef, step_key: str) -> StoredRow:
        row = StoredRow(model, len(self.rows[model]) + 1, record, change)
        self.rows[model][row.id] = row
        self.by_item[model].setdefault(item_of(record), []).append(row.id)
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
        """Make `row` the one in use; the others keep their order behind it."""
        ids = self.by_item[row.model][item_of(row.record)]
        if ids[0] == row.id:
            return
        ids.remove(row.id)
        ids.insert(0, row.id)
        # Reordering a product's BOMs is a write on the product.
        product = self.by_item[Model.PRODUCT][item_of(row.record)][0]
        self._log(Model.PRODUCT, "write", product, step_key)

    def _log(self, model: Model, operation: str, record_id: int, step_key: str) -> None:
        self.writes.append(WriteCall(model, operation, record_id, step_key))
