"""The API's state: OAuth2 clients (hashed secrets, scopes, revocation) and the webhook ids
already delivered (replay protection).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "api_clients",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("secret_hash", sa.String(), nullable=False),
        sa.Column("scopes", sa.String(), nullable=False),
        _when("created_at"),
        _when("revoked_at", nullable=True),
        sa.PrimaryKeyConstraint("name", name="pk_api_clients"),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("webhook_id", sa.String(), nullable=False),
        sa.Column("event", Id, nullable=False),
        _when("received_at"),
        sa.PrimaryKeyConstraint("webhook_id", name="pk_webhook_deliveries"),
        sa.ForeignKeyConstraint(
            ["event"], ["events.id"], name="fk_webhook_deliveries_event_events"
        ),
    )


def downgrade() -> None:
    op.drop_table("webhook_deliveries")
    op.drop_table("api_clients")
