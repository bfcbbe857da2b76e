"""The inbound port: what plmsync needs from any PLM source, and nothing more.

A PLM tells plmsync that a change was released (a webhook body, or an entry found by polling),
and plmsync then fetches the whole object graph of that change as one `ChangePackage`. Every
adapter (the REST polling source today) and every fake implements `PlmSource` and passes the
shipped contract suite in `plmsync.testing.plm_contract`.

Errors are the ones of `plmsync.ports.plm_errors`, each a member of the shared error tree, so
a caller knows what to do next: retry (`PlmUnavailable`, `PlmRateLimited`), stop and fix the
credentials (`PlmAuthError`), or keep the payload as rejected (`PlmEventInvalid`,
`PlmMappingFailed`, `PlmChangeUnknown`, all `PackageRejected`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable

from plmsync.domain.package import ChangePackage


@dataclass(frozen=True, slots=True)
class PlmEvent:
    """A PLM's notice that a change was released: enough to fetch it, and to deduplicate it.

    `event_id` is stable across redeliveries and polls (the inbox is idempotent by it);
    `occurred_at` carries a timezone. `change_number` is "" when a notification does not
    carry it (Onshape's names the release package by id only): `fetch` learns it."""

    change_number: str
    event_id: str
    occurred_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Polled:
    """One poll's findings, oldest first, and where the next poll starts.

    `cursor` is opaque to callers: they store it only once every event is durably in the
    inbox, and pass it back unchanged. No events means the source has nothing new now.
    Polling again from the same cursor finds the same events (nothing is consumed), so a
    crash before the cursor is stored loses nothing."""

    events: tuple[PlmEvent, ...]
    cursor: str


@dataclass(frozen=True)
class PlmCapabilities:
    """How a source can be used. A caller never calls what a source says it cannot do."""

    webhook: bool = False  # `parse_event` reads the PLM's push notifications
    poll: bool = False  # `poll` finds released changes
    fetch_graph: bool = True  # `fetch` returns the change's whole object graph
    write_back: bool = False  # `write_back` tells the PLM how a plant's sync ended


class SyncOutcome(StrEnum):
    """What plmsync reports back to the PLM for one change and plant."""

    SYNCED = "synced"
    STAGED = "staged"  # accepted, posted at its effective date
    FAILED = "failed"


@runtime_checkable
class PlmSource(Protocol):
    @property
    def name(self) -> str: ...

    def check(self) -> None:
        """Raise PlmAuthError / ConfigError / PlmUnavailable when the source cannot be used."""

    def capabilities(self) -> PlmCapabilities: ...

    def parse_event(self, raw: bytes) -> PlmEvent:
        """Read one notification body exactly as the PLM sends it. Raises PlmEventInvalid
        (never anything else) when the bytes are not such a notification."""

    def fetch(self, event: PlmEvent) -> ChangePackage:
        """The whole object graph of the event's change (items, BOMs, documents, sources),
        with `source.event_id` set to the event's id so redeliveries deduplicate. Raises
        PlmChangeUnknown when the PLM has no such change, PlmMappingFailed when its answer
        cannot be mapped to a valid package."""

    def poll(self, cursor: str | None) -> Polled:
        """Changes released after `cursor` (None: from the beginning), oldest first, each
        once. Raises PlmCursorInvalid for a cursor this source did not make."""

    def write_back(self, change: str, plant: str, outcome: SyncOutcome) -> None:
        """Tell the PLM how the change ended in a plant. Idempotent. Sources without the
        `write_back` capability raise ConfigError."""

    def close(self) -> None: ...
