"""A relay channel that records what it was sent and fails when told to (implements
`plmsync.engine.relay.Channel`)."""

from __future__ import annotations

from typing import Any

from plmsync.domain.errors import TransientError


class RecordingChannel:
    def __init__(self, name: str, *, max_attempts: int | None = None, failures: int = 0):
        self.name = name
        self.max_attempts = max_attempts
        self.failures = failures  # the next this-many sends fail
        self.sent: list[dict[str, Any]] = []
        self.tries = 0

    def send(self, event: dict[str, Any]) -> None:
        self.tries += 1
        if self.failures > 0:
            self.failures -= 1
            raise TransientError(f"{self.name} is down")
        self.sent.append(event)

    def close(self) -> None:
        pass
