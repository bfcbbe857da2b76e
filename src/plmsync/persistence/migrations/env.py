"""Alembic's entry point. Always online, always on the connection `migrate.upgrade` passes in
(inside its write transaction, so the whole upgrade commits or rolls back as one)."""

from __future__ import annotations

from alembic import context

from plmsync.persistence.tables import metadata


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None or context.is_offline_mode():
        raise RuntimeError("run plmsync migrations through plmsync.persistence.migrate.upgrade")
    context.configure(connection=connection, target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()


run()
