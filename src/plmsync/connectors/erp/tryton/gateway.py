"""The few model calls plmsync makes on Tryton, behind one small interface.

Readers and writers only talk to a `Gateway`, with ids in and ids out, exactly the shape of
Tryton's RPC methods. The in-process gateway below wraps the pool inside an open transaction;
an XML-RPC gateway (proteus `Model.get(name)._proxy`) can implement the same calls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

from plmsync.connectors.erp.tryton import errors

Row = dict[str, Any]
Domain = list[Any]
Values = dict[str, Any]
T = TypeVar("T")


class Gateway(Protocol):
    def search_read(
        self, model: str, domain: Domain, fields: Sequence[str], *, order: Sequence[Any] = ()
    ) -> list[Row]: ...

    def create(self, model: str, vlist: Sequence[Values]) -> list[int]: ...

    def write(self, model: str, changes: Sequence[tuple[Sequence[int], Values]]) -> None: ...

    def delete(self, model: str, ids: Sequence[int]) -> None: ...

    def call(self, model: str, method: str, *args: Any) -> Any:
        """Any other RPC-callable class method (e.g. `res.user.get_preferences`)."""


class Session(Protocol):
    """Runs work against one Tryton database: all of it or nothing (in-process), or call by
    call (a future XML-RPC session, where each RPC is its own transaction)."""

    def run(self, work: Callable[[Gateway], T], *, readonly: bool = False) -> T: ...

    @property
    def company(self) -> int: ...


class PoolGateway:
    """Calls models of the current transaction's pool (in-process trytond)."""

    def __init__(self, pool: Any):
        self._pool = pool

    def search_read(
        self, model: str, domain: Domain, fields: Sequence[str], *, order: Sequence[Any] = ()
    ) -> list[Row]:
        with _translated(model):
            found = self._get(model).search_read(
                domain, fields_names=list(fields), order=list(order) or None
            )
        return list(found)

    def create(self, model: str, vlist: Sequence[Values]) -> list[int]:
        ids: list[int] = []
        for batch in _cut(vlist, RECORDS_PER_CALL):
            with _translated(model):
                ids += [record.id for record in self._get(model).create(list(batch))]
        return ids

    def write(self, model: str, changes: Sequence[tuple[Sequence[int], Values]]) -> None:
        Model = self._get(model)
        for batch in _write_batches(changes):
            arguments: list[Any] = []
            for ids, values in batch:
                arguments += [Model.browse(list(ids)), values]
            with _translated(model):
                Model.write(*arguments)

    def delete(self, model: str, ids: Sequence[int]) -> None:
        Model = self._get(model)
        for batch in _cut(ids, RECORDS_PER_CALL):
            with _translated(model):
                Model.delete(Model.browse(list(batch)))

    def call(self, model: str, method: str, *args: Any) -> Any:
        with _translated(model):
            return getattr(self._get(model), method)(*args)

    def _get(self, model: str) -> Any:
        return self._pool.get(model)


# Tryton validates the records of one call together, in queries whose expression depth grows
# with the records: SQLite refuses depth 1,000, first seen creating 5,000 product-BOM links
# in one call (make bench). Callers batch as suits each model; this is the ceiling for all.
RECORDS_PER_CALL = 250


def _cut(values: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _write_batches(
    changes: Sequence[tuple[Sequence[int], Values]],
) -> Iterator[list[tuple[Sequence[int], Values]]]:
    """(ids, values) pairs grouped so that no call touches more than RECORDS_PER_CALL ids."""
    batch: list[tuple[Sequence[int], Values]] = []
    held = 0
    for ids, values in changes:
        for part in _cut(ids, RECORDS_PER_CALL):
            if batch and held + len(part) > RECORDS_PER_CALL:
                yield batch
                batch, held = [], 0
            batch.append((part, values))
            held += len(part)
    if batch:
        yield batch


@contextmanager
def _translated(model: str) -> Iterator[None]:
    """Name the model in Tryton's refusals; a transaction retry signal passes untouched."""
    try:
        yield
    except Exception as exc:
        mapped = None if _is_retry_signal(exc) else errors.translate(exc, model=model)
        if mapped is None:
            raise
        raise mapped from exc


def _is_retry_signal(exc: Exception) -> bool:
    """trytond asks for the transaction to be restarted with some tables locked."""
    from trytond.transaction import TransactionError

    return isinstance(exc, TransactionError)
