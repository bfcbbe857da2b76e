"""The outbox as the relay and the operators see it (the store writes events itself, inside
the transactions of the state changes that cause them; see engine/outbox.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Protocol

from plmsync.engine.outbox import Delivery, DeliveryStatus, Due, OutboxDraft, OutboxEvent


class OutboxStore(Protocol):
    def emit_event(self, draft: OutboxDraft) -> OutboxEvent | None:
        """Store an event not tied to a state change of the store (an SLA breach); None if
        an event with its dedupe key exists."""

    def outbox_events(self, *, after: int = 0, limit: int | None = None) -> list[OutboxEvent]:
        """Events in the order they were written, after the id `after`."""

    def outbox_due(self, channel: str, now: dt.datetime, limit: int = 100) -> list[Due]:
        """Events not delivered on `channel` yet: never tried, or retrying and due by `now`."""

    def outbox_delivered(self, channel: str, events: Collection[int]) -> None:
        """These events were confirmed on `channel` (one transaction for them all)."""

    def outbox_failed(
        self, event: int, channel: str, error: str, *, retry_at: dt.datetime | None
    ) -> Delivery:
        """Count a failed attempt; retried at `retry_at`, dead (given up) when None."""

    def outbox_deliveries(
        self, *, status: DeliveryStatus | None = None, channel: str | None = None
    ) -> list[Delivery]: ...

    def outbox_retry(self, event: int, channel: str) -> Delivery:
        """A dead delivery is tried again (StateConflict unless it is dead)."""
