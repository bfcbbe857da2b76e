"""The audit trail: append-only and hash-chained, so an edited or deleted entry shows.

    hash = sha256(previous_hash + canonical JSON of every other field of the entry)

The first entry's previous_hash is "". Appends read the last hash and insert inside one
write transaction that excludes other appenders (SQLite: BEGIN IMMEDIATE; PostgreSQL: a
table lock that still lets readers through), so concurrent processes never fork the chain.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Iterable

import sqlalchemy as sa

from plmsync.engine.model import AuditEntry
from plmsync.persistence import rows
from plmsync.persistence.base import StoreBase
from plmsync.persistence.canonical import dumps
from plmsync.persistence.tables import audit as audit_table
from plmsync.ports.store import AuditDraft


def entry_hash(entry: AuditEntry) -> str:
    fields = {
        field.name: getattr(entry, field.name)
        for field in dataclasses.fields(entry)
        if field.name != "hash"
    }
    return hashlib.sha256((entry.previous_hash + dumps(fields)).encode("ascii")).hexdigest()


class AuditMixin(StoreBase):
    def audit(self, draft: AuditDraft) -> AuditEntry:
        with self._write() as connection:
            if self._postgresql:
                connection.exec_driver_sql("LOCK TABLE audit IN SHARE ROW EXCLUSIVE MODE")
            last_sequence, last_hash = _last(connection)
            entry = _entry(draft, last_sequence + 1, self._now(), last_hash)
            sealed = dataclasses.replace(entry, hash=entry_hash(entry))
            connection.execute(sa.insert(audit_table).values(_values(sealed)))
            return _read_entry(connection, sealed.sequence)

    def audit_trail(self, change_number: str | None = None) -> list[AuditEntry]:
        query = sa.select(audit_table).order_by(audit_table.c.sequence)
        if change_number is not None:
            query = query.where(audit_table.c.change_number == change_number)
        with self._read() as connection:
            return [rows.audit_from(row) for row in connection.execute(query).mappings()]

    def verify_audit(self) -> AuditEntry | None:
        query = sa.select(audit_table).order_by(audit_table.c.sequence)
        with self._read() as connection:
            streamed = connection.execution_options(yield_per=1000).execute(query)
            with streamed:  # closes the server-side cursor even when returning early
                return first_broken(rows.audit_from(row) for row in streamed.mappings())


def first_broken(entries: Iterable[AuditEntry]) -> AuditEntry | None:
    """The first entry whose link to the previous one or whose own hash does not hold."""
    previous = ""
    for entry in entries:
        if entry.previous_hash != previous or entry_hash(entry) != entry.hash:
            return entry
        previous = entry.hash
    return None


def _last(connection: sa.Connection) -> tuple[int, str]:
    """The chain's last sequence number and hash; (0, "") while it is empty."""
    query = (
        sa.select(audit_table.c.sequence, audit_table.c.hash)
        .order_by(audit_table.c.sequence.desc())
        .limit(1)
    )
    row = connection.execute(query).first()
    return (0, "") if row is None else (int(row.sequence), str(row.hash))


def _entry(draft: AuditDraft, sequence: int, at: dt.datetime, previous_hash: str) -> AuditEntry:
    values = {f.name: getattr(draft, f.name) for f in dataclasses.fields(draft)}
    values["details"] = dict(draft.details or {})
    values["record_ids"] = tuple(draft.record_ids)
    return AuditEntry(sequence=sequence, at=at, previous_hash=previous_hash, **values)


def _values(entry: AuditEntry) -> dict[str, object]:
    values = {f.name: getattr(entry, f.name) for f in dataclasses.fields(entry)}
    values["record_ids"] = list(entry.record_ids)
    return values


def _read_entry(connection: sa.Connection, sequence: int) -> AuditEntry:
    query = sa.select(audit_table).where(audit_table.c.sequence == sequence)
    return rows.audit_from(connection.execute(query).mappings().one())
