"""Dead letters: what failed for good, with the original payload's event, the failing step,
the ERP's own words and every attempt, until an operator replays or discards it."""

from __future__ import annotations

import sqlalchemy as sa

from plmsync.engine.errors import StateConflict
from plmsync.engine.model import DeadLetter, DeadLetterStatus
from plmsync.persistence import rows
from plmsync.persistence.base import StoreBase, new_id, one
from plmsync.persistence.tables import dead_letters

_RESOLUTIONS = (DeadLetterStatus.REPLAYED, DeadLetterStatus.DISCARDED)


class DeadLettersMixin(StoreBase):
    def dead_letter(self, letter: DeadLetter) -> DeadLetter:
        values = {**rows.dead_letter_values(letter), "created_at": self._now()}
        with self._write() as connection:
            result = connection.execute(sa.insert(dead_letters).values(values))
            return _letter(connection, new_id(result))

    def dead_letters(self, *, status: str | None = "open") -> list[DeadLetter]:
        query = sa.select(dead_letters).order_by(dead_letters.c.id)
        if status is not None:
            query = query.where(dead_letters.c.status == DeadLetterStatus(status).value)
        with self._read() as connection:
            return [rows.dead_letter_from(row) for row in connection.execute(query).mappings()]

    def dead_letter_by_id(self, letter: int) -> DeadLetter:
        with self._read() as connection:
            return _letter(connection, letter)

    def resolve_dead_letter(
        self, letter: int, status: str, *, by: str, edited_payload: bytes | None = None
    ) -> DeadLetter:
        resolution = DeadLetterStatus(status)
        if resolution not in _RESOLUTIONS:
            raise ValueError(f"a dead letter is resolved as replayed or discarded, not {status!r}")
        values: dict[str, object] = {
            "status": resolution.value,
            "resolved_at": self._now(),
            "resolved_by": by,
        }
        if edited_payload is not None:
            values["edited_payload"] = bytes(edited_payload)
        with self._write() as connection:
            current = one(connection, _query(letter).with_for_update(), "dead letter", letter)
            if current["status"] != DeadLetterStatus.OPEN.value:
                raise StateConflict(
                    f"dead letter {letter} is already {current['status']}"
                    f" (by {current['resolved_by']})"
                )
            connection.execute(
                sa.update(dead_letters).where(dead_letters.c.id == letter).values(values)
            )
            return _letter(connection, letter)


def _query(letter: int) -> sa.Select[tuple[object, ...]]:
    return sa.select(dead_letters).where(dead_letters.c.id == letter)


def _letter(connection: sa.Connection, letter: int) -> DeadLetter:
    return rows.dead_letter_from(one(connection, _query(letter), "dead letter", letter))
