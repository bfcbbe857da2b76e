"""Outbound events: the transactional outbox (CloudEvents written with the state change that
caused them) and each event's delivery state per channel (broker, webhooks).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        _when("time"),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
    )
    op.create_index("uq_outbox_dedupe_key", "outbox", ["dedupe_key"], unique=True)
    op.create_table(
        "outbox_deliveries",
        sa.Column("event", Id, nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _when("next_attempt_at", nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        _when("updated_at"),
        sa.PrimaryKeyConstraint("event", "channel", name="pk_outbox_deliveries"),
        sa.ForeignKeyConstraint(["event"], ["outbox.id"], name="fk_outbox_deliveries_event_outbox"),
    )
    op.create_index(
        "ix_outbox_deliveries_channel_status",
        "outbox_deliveries",
        ["channel", "status", "next_attempt_at"],
    )


def downgrade() -> None:
    op.drop_table("outbox_deliveries")
    op.drop_table("outbox")
