"""The engine's store: inbox events, jobs and their transitions, steps, object locks, dead
letters, hash-chained audit trail.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _text(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.String(), nullable=False)


def upgrade() -> None:
    _events()
    _jobs()
    _steps_and_locks()
    _dead_letters()
    _audit()


def _events() -> None:
    op.create_table(
        "events",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        _text("event_id"),
        _text("source_system"),
        _text("change_number"),
        sa.Column("content_hash", sa.String(64), nullable=False),
        _when("received_at"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("duplicate_of", Id, nullable=True),
        _text("error_code"),
        sa.Column("error_detail", sa.Text(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
        sa.ForeignKeyConstraint(
            ["duplicate_of"], ["events.id"], name="fk_events_duplicate_of_events"
        ),
    )
    op.create_index(
        "ix_events_change_number_content_hash", "events", ["change_number", "content_hash"]
    )
    op.create_index(
        "uq_events_event_id_original",
        "events",
        ["event_id"],
        unique=True,
        sqlite_where=sa.text("status != 'duplicate'"),
        postgresql_where=sa.text("status != 'duplicate'"),
    )
    op.create_index(
        "uq_events_change_content_accepted",
        "events",
        ["change_number", "content_hash"],
        unique=True,
        sqlite_where=sa.text("status = 'accepted'"),
        postgresql_where=sa.text("status = 'accepted'"),
    )


def _jobs() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("event", Id, nullable=False),
        _text("change_number"),
        _text("plant"),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _when("run_after", nullable=True),
        sa.Column("effective_from", sa.Date(), nullable=True),
        _text("lease_owner"),
        _when("lease_expires_at", nullable=True),
        _text("last_error_code"),
        sa.Column("last_error_message", sa.Text(), nullable=False),
        _when("created_at"),
        _when("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_jobs"),
        sa.ForeignKeyConstraint(["event"], ["events.id"], name="fk_jobs_event_events"),
        sa.UniqueConstraint("event", "plant", name="uq_jobs_event_plant"),
    )
    op.create_index("ix_jobs_claim", "jobs", ["state", "run_after", "id"])
    op.create_index("ix_jobs_change_number", "jobs", ["change_number"])
    op.create_index("ix_jobs_plant_state", "jobs", ["plant", "state"])
    op.create_table(
        "job_transitions",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("job", Id, nullable=False),
        sa.Column("from_state", sa.String(16), nullable=True),
        sa.Column("to_state", sa.String(16), nullable=False),
        _when("at"),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_job_transitions"),
        sa.ForeignKeyConstraint(["job"], ["jobs.id"], name="fk_job_transitions_job_jobs"),
    )
    op.create_index("ix_job_transitions_job", "job_transitions", ["job", "id"])


def _steps_and_locks() -> None:
    op.create_table(
        "steps",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("job", Id, nullable=False),
        _text("idempotency_key"),
        _text("kind"),
        _text("object_key"),
        _text("action"),
        _text("revision"),
        _text("content_hash"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        _text("erp_model"),
        sa.Column("record_ids", sa.JSON(), nullable=False),
        _text("error_code"),
        _when("started_at"),
        _when("finished_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_steps"),
        sa.ForeignKeyConstraint(["job"], ["jobs.id"], name="fk_steps_job_jobs"),
        sa.UniqueConstraint("job", "idempotency_key", name="uq_steps_job_idempotency_key"),
    )
    op.create_table(
        "object_locks",
        _text("object_key"),
        sa.Column("job", Id, nullable=False),
        _when("locked_at"),
        _when("expires_at"),
        sa.PrimaryKeyConstraint("object_key", name="pk_object_locks"),
        sa.ForeignKeyConstraint(["job"], ["jobs.id"], name="fk_object_locks_job_jobs"),
    )
    op.create_index("ix_object_locks_job", "object_locks", ["job"])


def _dead_letters() -> None:
    op.create_table(
        "dead_letters",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("event", Id, nullable=False),
        sa.Column("job", Id, nullable=True),
        _text("error_code"),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _when("created_at"),
        sa.Column("step", sa.JSON(), nullable=True),
        sa.Column("erp_messages", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.JSON(), nullable=False),
        sa.Column("edited_payload", sa.LargeBinary(), nullable=True),
        _when("resolved_at", nullable=True),
        _text("resolved_by"),
        sa.PrimaryKeyConstraint("id", name="pk_dead_letters"),
        sa.ForeignKeyConstraint(["event"], ["events.id"], name="fk_dead_letters_event_events"),
        sa.ForeignKeyConstraint(["job"], ["jobs.id"], name="fk_dead_letters_job_jobs"),
    )
    op.create_index("ix_dead_letters_status", "dead_letters", ["status", "id"])


def _audit() -> None:
    op.create_table(
        "audit",
        sa.Column("sequence", Id, primary_key=True, autoincrement=True),
        _when("at"),
        _text("change_number"),
        _text("action"),
        _text("plant"),
        _text("event_id"),
        _text("payload_hash"),
        _text("actor"),
        _text("erp_model"),
        sa.Column("record_ids", sa.JSON(), nullable=False),
        _text("operation"),
        sa.Column("attempt", sa.Integer(), nullable=False),
        _text("outcome"),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("previous_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("sequence", name="pk_audit"),
    )
    op.create_index("ix_audit_change_number", "audit", ["change_number"])


def downgrade() -> None:
    for table in (
        "audit",
        "dead_letters",
        "object_locks",
        "steps",
        "job_transitions",
        "jobs",
        "events",
    ):
        op.drop_table(table)
