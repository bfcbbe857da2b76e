"""Governance: review tasks (approval checkpoints, drift on review-policy attributes), and the
record each step wrote (reconcile compares the last one posted with live ERP).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    # Steps posted before this revision have no record: reconcile skips them until re-synced.
    op.add_column("steps", sa.Column("desired", sa.JSON(), nullable=True))
    op.create_table(
        "review_tasks",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("job", Id, nullable=False),
        sa.Column("change_number", sa.String(), nullable=False),
        sa.Column("plant", sa.String(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("owner_role", sa.String(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("identity", sa.String(64), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        _when("created_at"),
        _when("decided_at", nullable=True),
        sa.Column("decided_by", sa.String(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_review_tasks"),
        sa.ForeignKeyConstraint(["job"], ["jobs.id"], name="fk_review_tasks_job_jobs"),
    )
    op.create_index("ix_review_tasks_status", "review_tasks", ["status", "id"])
    op.create_index("ix_review_tasks_job", "review_tasks", ["job"])
    op.create_index("ix_review_tasks_change_number", "review_tasks", ["change_number"])
    op.create_index(
        "uq_review_tasks_open",
        "review_tasks",
        ["job", "identity"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )


def downgrade() -> None:
    op.drop_table("review_tasks")
    op.drop_column("steps", "desired")
