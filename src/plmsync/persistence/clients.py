"""`SqlClientStore`: the API's clients and webhook deliveries, in the engine's state database.

    SqlClientStore(config.engine.state_url(base_dir))   # migrated on open, like SqlStore

Implements `plmsync.ports.clients.ClientStore` and `DeliveryLog`; every method is one
transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa

from plmsync.persistence.base import StoreBase
from plmsync.persistence.tables import api_clients, webhook_deliveries
from plmsync.ports.clients import ClientExists, ClientRecord

if TYPE_CHECKING:
    from plmsync.ports.clients import ClientStore, DeliveryLog


class SqlClientStore(StoreBase):
    # --- clients ------------------------------------------------------------------------

    def add_client(self, client: ClientRecord) -> None:
        try:
            with self._write() as connection:
                connection.execute(sa.insert(api_clients).values(_client_values(client)))
        except sa.exc.IntegrityError:
            raise ClientExists(f"a client named {client.name!r} exists already") from None

    def client(self, name: str) -> ClientRecord | None:
        query = sa.select(api_clients).where(api_clients.c.name == name)
        with self._read() as connection:
            row = connection.execute(query).mappings().first()
        return _client_from(row) if row is not None else None

    def clients(self) -> list[ClientRecord]:
        query = sa.select(api_clients).order_by(api_clients.c.name)
        with self._read() as connection:
            return [_client_from(row) for row in connection.execute(query).mappings()]

    def revoke_client(self, name: str, at: dt.datetime) -> ClientRecord | None:
        still_active = (api_clients.c.name == name) & api_clients.c.revoked_at.is_(None)
        with self._write() as connection:
            connection.execute(sa.update(api_clients).where(still_active).values(revoked_at=at))
            query = sa.select(api_clients).where(api_clients.c.name == name)
            row = connection.execute(query).mappings().first()
        return _client_from(row) if row is not None else None

    # --- webhook deliveries -------------------------------------------------------------------

    def delivered(self, webhook_id: str) -> int | None:
        query = sa.select(webhook_deliveries.c.event).where(
            webhook_deliveries.c.webhook_id == webhook_id
        )
        with self._read() as connection:
            event = connection.execute(query).scalar()
        return int(event) if event is not None else None

    def record_delivery(self, webhook_id: str, event: int, at: dt.datetime) -> bool:
        values = {"webhook_id": webhook_id, "event": event, "received_at": at}
        try:
            with self._write() as connection:
                connection.execute(sa.insert(webhook_deliveries).values(values))
        except sa.exc.IntegrityError:
            return False
        return True


def _client_values(client: ClientRecord) -> dict[str, object]:
    return {
        "name": client.name,
        "secret_hash": client.secret_hash,
        "scopes": " ".join(client.scopes),
        "created_at": client.created_at,
        "revoked_at": client.revoked_at,
    }


def _client_from(row: sa.RowMapping) -> ClientRecord:
    return ClientRecord(
        name=row["name"],
        secret_hash=row["secret_hash"],
        scopes=tuple(row["scopes"].split()),
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )


if TYPE_CHECKING:  # mypy proves the class implements both ports

    def _implements_the_ports(store: SqlClientStore) -> tuple[ClientStore, DeliveryLog]:
        return store, store
