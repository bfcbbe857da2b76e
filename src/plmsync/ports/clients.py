"""API clients and webhook deliveries, as the API stores them (in the state database).

A client holds a hash of its secret, never the secret; a delivery remembers a webhook id so
a replayed or redelivered webhook is not processed twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from plmsync.domain.errors import PlmsyncError


@dataclass(frozen=True)
class ClientRecord:
    name: str
    secret_hash: str  # "scrypt$n$r$p$salt$hash", see plmsync.api.clients
    scopes: tuple[str, ...]
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class ClientExists(PlmsyncError):
    code = "PLMSYNC-CLIENT-EXISTS"
    remedy = "Choose another name, or revoke the old client first (`plmsync clients revoke`)."


class ClientStore(Protocol):
    def add_client(self, client: ClientRecord) -> None:
        """Store a new client; ClientExists if the name is taken (revoked or not)."""

    def client(self, name: str) -> ClientRecord | None: ...
    def clients(self) -> list[ClientRecord]: ...
    def revoke_client(self, name: str, at: dt.datetime) -> ClientRecord | None:
        """Mark revoked (once); None if there is no such client."""


class DeliveryLog(Protocol):
    def delivered(self, webhook_id: str) -> int | None:
        """The inbox event a webhook id was stored as, if it was delivered before."""

    def record_delivery(self, webhook_id: str, event: int, at: dt.datetime) -> bool:
        """Remember a delivery; False if the id was already recorded (a concurrent replay)."""
