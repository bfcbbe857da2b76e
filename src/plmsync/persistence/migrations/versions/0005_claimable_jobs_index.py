"""A partial index over the jobs a worker may claim.

The claim takes the lowest id among queued and retrying jobs. Through the (state, run_after,
id) index PostgreSQL had to collect and sort every claimable job for each claim, or walk the
primary key past every finished job; both grow with the queue or its history. Indexing only
claimable rows by id keeps a claim's cost flat: finished jobs leave the index.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

CLAIMABLE = sa.text("state IN ('queued', 'retrying')")


def upgrade() -> None:
    op.create_index(
        "ix_jobs_claimable",
        "jobs",
        ["id"],
        sqlite_where=CLAIMABLE,
        postgresql_where=CLAIMABLE,
    )


def downgrade() -> None:
    op.drop_index("ix_jobs_claimable", table_name="jobs")
