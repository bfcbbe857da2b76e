"""Per-ERP-object locks: two jobs never post the same ERP object at once.

A lock is a row keyed by the object key, so the primary key itself guarantees one holder.
Taking a set of keys is all or nothing; a lock past its expiry belongs to nobody (its job's
worker died) and is taken over.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from plmsync.persistence.base import StoreBase, chunks
from plmsync.persistence.tables import object_locks


class LocksMixin(StoreBase):
    def lock_objects(
        self, job: int, keys: Collection[str], now: dt.datetime, until: dt.datetime
    ) -> bool:
        wanted = sorted(set(keys))
        try:
            with self._write() as connection:
                if _held_by_others(connection, job, wanted, now):
                    return False
                _take(connection, job, wanted, now, until)
                return True
        except IntegrityError:  # PostgreSQL: another job inserted one of the keys meanwhile
            return False

    def release_locks(self, job: int) -> None:
        with self._write() as connection:
            connection.execute(sa.delete(object_locks).where(object_locks.c.job == job))


def _held_by_others(connection: sa.Connection, job: int, keys: list[str], now: dt.datetime) -> bool:
    for part in chunks(keys):
        live = sa.select(object_locks.c.object_key).where(
            object_locks.c.object_key.in_(part),
            object_locks.c.job != job,
            object_locks.c.expires_at > now,
        )
        if connection.execute(live.limit(1)).first() is not None:
            return True
    return False


def _take(
    connection: sa.Connection, job: int, keys: list[str], now: dt.datetime, until: dt.datetime
) -> None:
    # Only this job's own or expired locks: on PostgreSQL another job may have committed a
    # live lock since `_held_by_others` looked; then the insert below fails and nothing is taken.
    takeable = sa.or_(object_locks.c.job == job, object_locks.c.expires_at <= now)
    for part in chunks(keys):
        connection.execute(
            sa.delete(object_locks).where(object_locks.c.object_key.in_(part), takeable)
        )
    if keys:
        connection.execute(
            sa.insert(object_locks),
            [
                {"object_key": key, "job": job, "locked_at": now, "expires_at": until}
                for key in keys
            ],
        )
