"""Status write-back: the PLM hears how each change ended in each plant, through the outbox.

The PLM is one more relay channel (`plm:<source name>`) for sources whose capabilities
include `write_back`. It reads the outcome from the outbox events, so a write-back is
retried, dead-lettered and replayed exactly like a webhook delivery, and it happens only for
state changes that committed. `PlmSource.write_back` is idempotent, which is what at-least-once
delivery needs.

    change.synced (at a plant)   → SyncOutcome.SYNCED
    change.failed (at a plant)   → SyncOutcome.FAILED
    anything else                → nothing to tell the PLM (delivered as a no-op)

A staged plant is not written back: staging causes no outbox event; the plant's change.synced
follows when it goes live.
"""

from __future__ import annotations

from typing import Any

from plmsync.engine.outbox import EventType
from plmsync.ports.plm import PlmSource, SyncOutcome

OUTCOMES = {
    EventType.CHANGE_SYNCED.value: SyncOutcome.SYNCED,
    EventType.CHANGE_FAILED.value: SyncOutcome.FAILED,
}


class WriteBackChannel:
    def __init__(self, source: PlmSource, *, max_attempts: int):
        self.source = source
        self.max_attempts: int | None = max_attempts

    @property
    def name(self) -> str:
        return f"plm:{self.source.name}"

    def send(self, event: dict[str, Any]) -> None:
        outcome = OUTCOMES.get(event["type"])
        data = event["data"]
        plant = data.get("plant")
        if outcome is None or not plant:  # e.g. a payload rejected before any plant
            return
        self.source.write_back(data["change_number"], plant, outcome)

    def close(self) -> None:
        pass  # the source belongs to whoever built it


def write_back_channels(sources: list[PlmSource], *, max_attempts: int) -> list[WriteBackChannel]:
    """A channel per source that can take outcomes back; the others are left out."""
    return [
        WriteBackChannel(source, max_attempts=max_attempts)
        for source in sources
        if source.capabilities().write_back
    ]
