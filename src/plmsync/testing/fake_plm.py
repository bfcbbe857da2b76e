"""An in-memory PLM source that keeps the promises a real one keeps; it passes the same
contract suite (`plmsync.testing.plm_contract`) as the REST polling source.

    plm = InMemoryPlm(page_size=2)
    event = plm.publish(release_package())         # the PLM releases a change
    polled = plm.poll(None)                        # … and plmsync finds it
    plm.fetch(polled.events[0])                    # the whole graph, with the event's id
    plm.parse_event(plm.notification(event))       # the webhook body for it, read back

What it keeps, like a PLM feed: released changes in release order (ties broken by release
order), each with a stable event id; `poll` returns at most `page_size` events per call and a
`SinceCursor` (so polling the same cursor twice finds the same events); `write_back` records
the last outcome per change and plant.

Failure seams (plain attributes, settable at any time): `unavailable=True` makes every call
raise `PlmUnavailable`; `rejected_credentials=True` makes them raise `PlmAuthError`.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from plmsync.connectors.plm.cursor import SinceCursor
from plmsync.domain.errors import ConfigError
from plmsync.domain.package import ChangePackage
from plmsync.ports.plm import PlmCapabilities, PlmEvent, Polled, SyncOutcome
from plmsync.ports.plm_errors import (
    PlmAuthError,
    PlmChangeUnknown,
    PlmEventInvalid,
    PlmUnavailable,
)

NOTIFICATION_TYPE = "plm.change.released"


@dataclass(frozen=True)
class _Release:
    event: PlmEvent
    package: ChangePackage


class InMemoryPlm:
    def __init__(
        self,
        name: str = "memory-plm",
        *,
        page_size: int = 50,
        supports_write_back: bool = True,
        unavailable: bool = False,
        rejected_credentials: bool = False,
    ):
        self._name = name
        self.page_size = page_size
        self.supports_write_back = supports_write_back
        self.unavailable = unavailable
        self.rejected_credentials = rejected_credentials
        self._releases: list[_Release] = []
        self.written_back: dict[tuple[str, str], SyncOutcome] = {}

    @property
    def name(self) -> str:
        return self._name

    # --- the PLM's side -------------------------------------------------------------------

    def publish(self, package: ChangePackage, *, at: dt.datetime | None = None) -> PlmEvent:
        """Release a change in the PLM, at `at` (default: the package's emission time)."""
        sequence = len(self._releases) + 1
        event = PlmEvent(
            change_number=package.change.number,
            event_id=f"{self._name}:{sequence}:{package.change.number}",
            occurred_at=at or package.source.emitted_at,
        )
        self._releases.append(_Release(event, package))
        return event

    def notification(self, event: PlmEvent) -> bytes:
        """The webhook body this PLM sends for an event."""
        body = {
            "type": NOTIFICATION_TYPE,
            "id": event.event_id,
            "change": event.change_number,
            "time": event.occurred_at.isoformat(),
        }
        return json.dumps(body).encode()

    # --- the port ---------------------------------------------------------------------------

    def check(self) -> None:
        self._reachable()

    def capabilities(self) -> PlmCapabilities:
        return PlmCapabilities(webhook=True, poll=True, write_back=self.supports_write_back)

    def parse_event(self, raw: bytes) -> PlmEvent:
        try:
            body = json.loads(raw)
            if body["type"] != NOTIFICATION_TYPE:
                raise ValueError(f"not a release notification: {body['type']!r}")
            occurred_at = dt.datetime.fromisoformat(body["time"])
            if occurred_at.tzinfo is None:
                raise ValueError("time without a timezone")
            return PlmEvent(str(body["change"]), str(body["id"]), occurred_at)
        except (ValueError, KeyError, TypeError) as exc:
            raise PlmEventInvalid("not a notification of this PLM", problems=[str(exc)]) from None

    def fetch(self, event: PlmEvent) -> ChangePackage:
        self._reachable()
        for release in self._releases:
            if release.event.event_id == event.event_id:
                source = release.package.source.model_copy(update={"event_id": event.event_id})
                return release.package.model_copy(update={"source": source})
        raise PlmChangeUnknown(f"{self._name} has no change for event {event.event_id}")

    def poll(self, cursor: str | None) -> Polled:
        self._reachable()
        position = SinceCursor.decode(cursor)
        found: list[PlmEvent] = []
        for release in sorted(self._releases, key=lambda r: r.event.occurred_at):
            event = release.event
            if len(found) == self.page_size:
                break
            if position.admits(event.occurred_at, event.event_id):
                found.append(event)
                position = position.advance(event.occurred_at, event.event_id)
        return Polled(tuple(found), position.encode())

    def write_back(self, change: str, plant: str, outcome: SyncOutcome) -> None:
        if not self.supports_write_back:
            raise ConfigError(f"{self._name} cannot take sync outcomes back")
        self._reachable()
        self.written_back[(change, plant)] = outcome

    def close(self) -> None:
        pass

    def _reachable(self) -> None:
        if self.rejected_credentials:
            raise PlmAuthError(f"{self._name} refused plmsync's credentials")
        if self.unavailable:
            raise PlmUnavailable(f"{self._name} is unavailable")
