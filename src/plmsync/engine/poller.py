"""Polling a PLM source into the inbox: each released change the source finds is fetched
whole and submitted; the cursor moves on only once every one of them is durable.

At-least-once and idempotent: a crash (or an error) before the cursor is saved repeats the
poll, and the inbox records each repeated event id as a duplicate, so nothing syncs twice. A
change the source cannot turn into a package (`PackageRejected`: it would not map, or the PLM
no longer has it) is stored as a rejected event with a dead letter — kept, visible in
`plmsync dead list`, replayable — and the poll moves past it. Transient and auth errors are
raised: nothing is saved, and the caller decides to wait (`RateLimited.retry_after`) or stop.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from plmsync.domain.errors import PackageRejected, RateLimited, TransientError
from plmsync.engine import intake
from plmsync.engine.cursors import CursorFile
from plmsync.engine.model import EventStatus
from plmsync.ports.plm import PlmEvent, PlmSource
from plmsync.ports.store import JobStore, Received


@dataclass(frozen=True)
class PollRound:
    """What one poll delivered, by inbox outcome (accepted, duplicate, rejected)."""

    received: tuple[Received, ...]

    @property
    def counts(self) -> Counter[str]:
        return Counter(str(r.event.status) for r in self.received)

    def summary(self) -> str:
        counts = self.counts
        return ", ".join(f"{counts[s.value]} {s.value}" for s in EventStatus) or "nothing new"


class Poller:
    def __init__(self, source: PlmSource, store: JobStore, cursors: CursorFile):
        self.source = source
        self.store = store
        self.cursors = cursors
        self.actor = f"plm:{source.name}"

    def poll_once(self) -> PollRound:
        polled = self.source.poll(self.cursors.load())
        received = tuple(self._deliver(event) for event in polled.events)
        self.cursors.save(polled.cursor)  # every event above is durably in the inbox
        return PollRound(received)

    def _deliver(self, event: PlmEvent) -> Received:
        try:
            package = self.source.fetch(event)
        except PackageRejected as rejected:
            raw = self._envelope(event)
            return intake.reject(
                self.store, raw, rejected, event_id=event.event_id, actor=self.actor
            )
        raw = package.model_dump_json().encode()
        return intake.submit(self.store, raw, event_id=event.event_id, actor=self.actor)

    def _envelope(self, event: PlmEvent) -> bytes:
        """What is kept of an event that did not become a package: enough to find it by change
        number and to fetch it again (shaped like a package's envelope for the inbox)."""
        document = {
            "source": {
                "system": self.source.name,
                "event_id": event.event_id,
                "emitted_at": event.occurred_at.isoformat(),
            },
            "change": {"number": event.change_number},
        }
        return json.dumps(document).encode()


def poll_until_stopped(
    poller: Poller, every: float, stop: threading.Event, report: Callable[[str], None]
) -> None:
    """Poll every `every` seconds until `stop` is set. A retryable failure is reported and
    retried (after the PLM's Retry-After when it rate-limits); an auth or configuration error
    ends the loop by propagating, since polling again cannot succeed until someone fixes it."""
    while not stop.is_set():
        wait = every
        try:
            report(f"{poller.source.name}: {poller.poll_once().summary()}")
        except RateLimited as limited:
            wait = limited.retry_after
            report(f"{limited.code}: {limited.message}; polling again in {wait:.0f} s")
        except TransientError as error:
            report(f"{error.code}: {error.message}; polling again in {wait:.0f} s")
        stop.wait(wait)
