"""`FileErp`: the fake ERP's rules (`InMemoryErp`) on tables kept in one file, so that several
worker processes — and processes killed at any moment — share one ERP, and every effect it
commits is journalled for the ledger checker (`plmsync.testing.ledger`).

    erp = FileErp(Path("erp/US01.erp"), latency=0.05)   # 50 ms per call, like a remote ERP
    erp.apply(ChangeRef("ECO-1", "US01"), plan.actionable)
    erp.journal()                                       # every committed effect, in order

Each call loads the tables under an exclusive lock on a side file (`*.lock`, flock), runs
the fake's rules, and replaces the file atomically (write a temporary file, rename it) before
the lock is released: a process killed during a call leaves the previous file intact, so a
call is all-or-nothing like a database transaction. Half of `latency` passes before the call
reaches the ERP and half after it committed — a process killed then has committed without
hearing so, the ambiguous outcome a real network gives.

Effects are journalled as the ERP shows them: after a write, every object whose content (as
`read` returns it) changed gets one entry with its new fingerprint and record id.
"""

from __future__ import annotations

import fcntl
import os
import pickle
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from plmsync.config import DEFAULT_UNITS, UnitMapping
from plmsync.domain.plan import Step
from plmsync.domain.state import KIND_OF, ObjectKind, Record, TargetState
from plmsync.ports.erp import ChangeRef, Posting
from plmsync.testing.fake_erp import InMemoryErp
from plmsync.testing.fake_tables import Model, Tables, item_of
from plmsync.testing.ledger import ABSENT, Effect, ObjectId, state_fingerprints

_MODEL_OF = {
    ObjectKind.ITEM: Model.PRODUCT,
    ObjectKind.BOM: Model.BOM,
    ObjectKind.ROUTING: Model.ROUTING,
    ObjectKind.DOCUMENT: Model.ATTACHMENT,
    ObjectKind.SOURCE: Model.PRODUCT_SUPPLIER,
}


@dataclass
class _Stored:
    tables: Tables = field(default_factory=Tables)
    journal: list[Effect] = field(default_factory=list)


class FileErp(InMemoryErp):
    def __init__(
        self,
        path: Path,
        name: str | None = None,
        *,
        units: Mapping[str, UnitMapping] = DEFAULT_UNITS,
        latency: float = 0.0,
    ) -> None:
        super().__init__(name or path.stem, units=units)
        self.path = path
        self.latency = latency
        self._journal: list[Effect] = []

    # --- the ErpTarget port ---------------------------------------------------------------

    def read(self, item_numbers: Collection[str]) -> TargetState:
        self._pause()
        with self._locked(fcntl.LOCK_SH):
            self._load()
            return super().read(item_numbers)

    def apply(self, change: ChangeRef, steps: Sequence[Step]) -> list[Posting]:
        return self._commit(change, lambda: InMemoryErp.apply(self, change, steps))

    def stage(self, change: ChangeRef, steps: Sequence[Step]) -> list[Posting]:
        return self._commit(change, lambda: InMemoryErp.stage(self, change, steps))

    # --- inspection, for the ledger -------------------------------------------------------

    def journal(self) -> list[Effect]:
        with self._locked(fcntl.LOCK_SH):
            self._load()
            return list(self._journal)

    def state(self) -> dict[ObjectId, str]:
        """Every object the ERP shows now, with the fingerprint of its content."""
        with self._locked(fcntl.LOCK_SH):
            self._load()
            return state_fingerprints(self.name, self._everything())

    def duplicate_records(self) -> dict[ObjectId, list[int]]:
        """Objects stored as more than one record (the same identity created twice)."""
        with self._locked(fcntl.LOCK_SH):
            self._load()
            stored: dict[tuple[Model, str], list[int]] = {}
            for model in Model:
                for row in self._tables.rows[model].values():
                    stored.setdefault((model, _identity(row.record)), []).append(row.id)
        kinds = {model: kind for kind, model in _MODEL_OF.items()}
        return {
            (self.name, kinds[model], identity): ids
            for (model, identity), ids in stored.items()
            if len(ids) > 1
        }

    # --- the file -------------------------------------------------------------------------

    def _commit(self, change: ChangeRef, write: Callable[[], list[Posting]]) -> list[Posting]:
        self._pause()  # the request on its way
        with self._locked(fcntl.LOCK_EX):
            self._load()
            before = state_fingerprints(self.name, self._everything())
            postings = write()
            after = self._everything()
            self._journal.extend(self._effects(before, after, change))
            self._save()
        self._pause()  # the reply on its way: a crash now is an ambiguous outcome
        return postings

    def _effects(
        self, before: Mapping[ObjectId, str], after: TargetState, change: ChangeRef
    ) -> Iterator[Effect]:
        now = state_fingerprints(self.name, after)
        seq = len(self._journal)
        for obj in sorted(set(before) | set(now)):
            if before.get(obj, ABSENT) != now.get(obj, ABSENT):
                seq += 1
                _, kind, key = obj
                record = after.of_kind(kind).get(key)
                yield Effect(
                    seq, self.name, kind, key, now.get(obj, ABSENT), self._id(record), change.number
                )

    def _everything(self) -> TargetState:
        items = {item for model in Model for item in self._tables.by_item[model]}
        return InMemoryErp.read(self, items)

    def _id(self, record: Record | None) -> int | None:
        if record is None:
            return None
        model = _MODEL_OF[_kind(record)]
        rows = self._tables.of_item(model, item_of(record))
        return next((row.id for row in rows if row.record == record), None)

    @contextmanager
    def _locked(self, mode: int) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "a+b") as lock:
            fcntl.flock(lock, mode)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _load(self) -> None:
        try:
            stored: _Stored = pickle.loads(self.path.read_bytes())
        except FileNotFoundError:
            stored = _Stored()
        self._tables, self._journal = stored.tables, stored.journal

    def _save(self) -> None:
        temporary = self.path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(pickle.dumps(_Stored(self._tables, self._journal)))
        os.replace(temporary, self.path)  # atomic: readers see the old or the new file

    def _pause(self) -> None:
        if self.latency:
            time.sleep(self.latency / 2)


def _kind(record: Record) -> ObjectKind:
    return KIND_OF[type(record)]


_REVISED_AS_NEW_RECORDS = (ObjectKind.BOM, ObjectKind.ROUTING, ObjectKind.DOCUMENT)


def _identity(record: Record) -> str:
    """What makes a stored record one ERP object: each revision of a BOM, routing or document
    is a record of its own; an item or a source is one record whatever its revision."""
    if _kind(record) in _REVISED_AS_NEW_RECORDS:
        return f"{record.key}@{getattr(record, 'revision', '')}"
    return str(record.key)
