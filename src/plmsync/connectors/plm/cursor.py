"""The since-cursor: where a poll of a "modified since" feed resumes, without gaps or repeats.

A feed lists records by a timestamp and lets a client ask for records at or after a time.
Resuming strictly after the last timestamp would lose records that share it but fell on the
next page; resuming at it would repeat the ones already seen. So the cursor keeps the last
timestamp *and* the ids of the records seen at exactly that time: a record is new when it is
later, or equally late but not among those ids. The ids set only ever holds one timestamp's
records, so it stays as small as the PLM's largest burst.

Some feeds list several records per change (Onshape: one revision per released item). The
cursor also keeps the changes already announced at the last timestamp, so a change whose
records are split by a poll's page limit is announced once — as long as its records share a
timestamp, as one release's do. Should they not, the repeat carries the same event id and the
inbox records it as a duplicate.

Encoded as base64url JSON: opaque to callers, readable when debugging.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass

from plmsync.ports.plm_errors import PlmCursorInvalid


@dataclass(frozen=True)
class SinceCursor:
    after: dt.datetime | None = None
    seen: frozenset[str] = frozenset()  # record ids at `after`
    announced: frozenset[str] = frozenset()  # event ids announced at `after`

    def admits(self, at: dt.datetime, record_id: str) -> bool:
        if self.after is None or at > self.after:
            return True
        return at == self.after and record_id not in self.seen

    def is_announced(self, at: dt.datetime, event_id: str) -> bool:
        return at == self.after and event_id in self.announced

    def advance(self, at: dt.datetime, record_id: str, event_id: str = "") -> SinceCursor:
        """The cursor past this record, and its change if one is announced (records must be
        offered oldest first)."""
        events = frozenset({event_id}) if event_id else frozenset()
        if self.after is not None and at < self.after:
            return self
        if at == self.after:
            return SinceCursor(at, self.seen | {record_id}, self.announced | events)
        return SinceCursor(at, frozenset({record_id}), events)

    def encode(self) -> str:
        document = {
            "after": self.after.isoformat() if self.after else None,
            "seen": sorted(self.seen),
            "announced": sorted(self.announced),
        }
        return base64.urlsafe_b64encode(json.dumps(document).encode()).decode()

    @classmethod
    def decode(cls, cursor: str | None) -> SinceCursor:
        if cursor is None:
            return cls()
        try:
            document = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
            after = dt.datetime.fromisoformat(document["after"]) if document["after"] else None
            if after is not None and after.tzinfo is None:
                raise ValueError("a cursor's time carries a timezone")
            seen = frozenset(str(i) for i in document["seen"])
            return cls(after, seen, frozenset(str(i) for i in document.get("announced", [])))
        except (ValueError, KeyError, TypeError, binascii.Error, UnicodeEncodeError):
            raise PlmCursorInvalid(f"not a cursor this source made: {cursor[:40]!r}") from None
