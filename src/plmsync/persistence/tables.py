"""The store's tables, as SQLAlchemy Core (the engine's dataclasses are mapped by hand in
`rows.py`: no ORM, no identity map, one statement per intent).

`migrations/versions/` freezes each version of this schema; a test compares the migrated
database with this module so the two cannot drift.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

# Integer on SQLite so the column is the rowid alias (autoincrement without a sequence).
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING)


class UtcDateTime(sa.TypeDecorator[dt.datetime]):
    """Timezone-aware in, timezone-aware (UTC) out, whatever the database keeps.

    SQLite has no time zones: the value is stored as naive UTC text (its fixed-width format
    sorts correctly, so `<=` in SQL works) and given back its UTC zone on read. PostgreSQL
    keeps `timestamptz`; values come back converted to UTC. A naive datetime is refused:
    which zone it meant cannot be known.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime) or value.tzinfo is None:
            raise ValueError(f"the store keeps timezone-aware datetimes only, got {value!r}")
        utc = value.astimezone(dt.UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def _text(name: str) -> sa.Column[str]:
    return sa.Column(name, sa.String(), nullable=False, default="")


def _when(name: str, *, nullable: bool = False) -> sa.Column[dt.datetime]:
    return sa.Column(name, UtcDateTime(), nullable=nullable)


events = sa.Table(
    "events",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(), nullable=False),
    sa.Column("source_system", sa.String(), nullable=False),
    _text("change_number"),
    sa.Column("content_hash", sa.String(64), nullable=False),
    _when("received_at"),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("duplicate_of", Id, sa.ForeignKey("events.id"), nullable=True),
    _text("error_code"),
    sa.Column("error_detail", sa.Text(), nullable=False, default=""),
    sa.Column("raw", sa.LargeBinary(), nullable=False),
    sa.Index("ix_events_change_number_content_hash", "change_number", "content_hash"),
    # One original per event id; redeliveries are kept as rows marked duplicate.
    sa.Index(
        "uq_events_event_id_original",
        "event_id",
        unique=True,
        sqlite_where=sa.text("status != 'duplicate'"),
        postgresql_where=sa.text("status != 'duplicate'"),
    ),
    # One accepted event per change content: the same bytes under a new id are a duplicate.
    sa.Index(
        "uq_events_change_content_accepted",
        "change_number",
        "content_hash",
        unique=True,
        sqlite_where=sa.text("status = 'accepted'"),
        postgresql_where=sa.text("status = 'accepted'"),
    ),
)

# The claimable job states (JobState.claimable) as literal SQL: the claim query repeats the
# partial index's predicate word for word, so the planner can use the index even for a
# prepared statement's generic plan (bound parameters would not prove the predicate).
CLAIMABLE = "state IN ('queued', 'retrying')"

jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("event", Id, sa.ForeignKey("events.id"), nullable=False),
    sa.Column("change_number", sa.String(), nullable=False),
    sa.Column("plant", sa.String(), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False, default=0),
    _when("run_after", nullable=True),
    sa.Column("effective_from", sa.Date(), nullable=True),
    _text("lease_owner"),
    _when("lease_expires_at", nullable=True),
    _text("last_error_code"),
    sa.Column("last_error_message", sa.Text(), nullable=False, default=""),
    _when("created_at"),
    _when("updated_at"),
    sa.UniqueConstraint("event", "plant", name="uq_jobs_event_plant"),
    sa.Index("ix_jobs_claim", "state", "run_after", "id"),
    # Claims walk this in id order; finished jobs leave it (migration 0005).
    sa.Index(
        "ix_jobs_claimable",
        "id",
        sqlite_where=sa.text(CLAIMABLE),
        postgresql_where=sa.text(CLAIMABLE),
    ),
    sa.Index("ix_jobs_change_number", "change_number"),
    sa.Index("ix_jobs_plant_state", "plant", "state"),
)

job_transitions = sa.Table(
    "job_transitions",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("job", Id, sa.ForeignKey("jobs.id"), nullable=False),
    sa.Column("from_state", sa.String(16), nullable=True),
    sa.Column("to_state", sa.String(16), nullable=False),
    _when("at"),
    sa.Column("reason", sa.Text(), nullable=False, default=""),
    sa.Index("ix_job_transitions_job", "job", "id"),
)

steps = sa.Table(
    "steps",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("job", Id, sa.ForeignKey("jobs.id"), nullable=False),
    sa.Column("idempotency_key", sa.String(), nullable=False),
    sa.Column("kind", sa.String(), nullable=False),
    sa.Column("object_key", sa.String(), nullable=False),
    sa.Column("action", sa.String(), nullable=False),
    _text("revision"),
    _text("content_hash"),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempt", sa.Integer(), nullable=False),
    _text("erp_model"),
    sa.Column("record_ids", sa.JSON(), nullable=False),
    _text("error_code"),
    _when("started_at"),
    _when("finished_at", nullable=True),
    sa.Column("desired", sa.JSON(), nullable=True),  # migration 0003: what reconcile compares
    sa.UniqueConstraint("job", "idempotency_key", name="uq_steps_job_idempotency_key"),
)

object_locks = sa.Table(
    "object_locks",
    metadata,
    sa.Column("object_key", sa.String(), primary_key=True),
    sa.Column("job", Id, sa.ForeignKey("jobs.id"), nullable=False),
    _when("locked_at"),
    _when("expires_at"),
    sa.Index("ix_object_locks_job", "job"),
)

dead_letters = sa.Table(
    "dead_letters",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("event", Id, sa.ForeignKey("events.id"), nullable=False),
    sa.Column("job", Id, sa.ForeignKey("jobs.id"), nullable=True),
    sa.Column("error_code", sa.String(), nullable=False),
    sa.Column("message", sa.Text(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    _when("created_at"),
    sa.Column("step", sa.JSON(), nullable=True),
    sa.Column("erp_messages", sa.JSON(), nullable=False),
    sa.Column("attempts", sa.JSON(), nullable=False),
    sa.Column("edited_payload", sa.LargeBinary(), nullable=True),
    _when("resolved_at", nullable=True),
    _text("resolved_by"),
    sa.Index("ix_dead_letters_status", "status", "id"),
)

audit = sa.Table(
    "audit",
    metadata,
    sa.Column("sequence", Id, primary_key=True, autoincrement=True),
    _when("at"),
    sa.Column("change_number", sa.String(), nullable=False),
    sa.Column("action", sa.String(), nullable=False),
    _text("plant"),
    _text("event_id"),
    _text("payload_hash"),
    sa.Column("actor", sa.String(), nullable=False),
    _text("erp_model"),
    sa.Column("record_ids", sa.JSON(), nullable=False),
    _text("operation"),
    sa.Column("attempt", sa.Integer(), nullable=False, default=0),
    _text("outcome"),
    sa.Column("details", sa.JSON(), nullable=False),
    sa.Column("previous_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Index("ix_audit_change_number", "change_number"),
)

# --- the API's own state (migration 0002) ---------------------------------------------------

api_clients = sa.Table(
    "api_clients",
    metadata,
    sa.Column("name", sa.String(), primary_key=True),
    sa.Column("secret_hash", sa.String(), nullable=False),
    sa.Column("scopes", sa.String(), nullable=False),  # space-separated, as in OAuth2
    _when("created_at"),
    _when("revoked_at", nullable=True),
)

webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("webhook_id", sa.String(), primary_key=True),
    sa.Column("event", Id, sa.ForeignKey("events.id"), nullable=False),
    _when("received_at"),
)

# --- governance (migration 0003) -------------------------------------------------------------

review_tasks = sa.Table(
    "review_tasks",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("job", Id, sa.ForeignKey("jobs.id"), nullable=False),
    sa.Column("change_number", sa.String(), nullable=False),
    sa.Column("plant", sa.String(), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # checkpoint | drift
    sa.Column("reason", sa.Text(), nullable=False),
    sa.Column("owner_role", sa.String(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("identity", sa.String(64), nullable=False),  # of what a decision covers
    sa.Column("details", sa.JSON(), nullable=False),  # hits (or drift) and the per-plant diff
    _when("created_at"),
    _when("decided_at", nullable=True),
    _text("decided_by"),
    sa.Column("comment", sa.Text(), nullable=False, default=""),
    sa.Index("ix_review_tasks_status", "status", "id"),
    sa.Index("ix_review_tasks_job", "job"),
    sa.Index("ix_review_tasks_change_number", "change_number"),
    # Reconcile opens a drift task once while it is open (a job waits on one task at a time
    # anyway: only a running job opens one, and it leaves running in the same transaction).
    sa.Index(
        "uq_review_tasks_open",
        "job",
        "identity",
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    ),
)

# --- outbound events (migration 0004) ----------------------------------------------------------

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("type", sa.String(32), nullable=False),  # change.synced, review.opened, …
    sa.Column("subject", sa.String(), nullable=False),
    _when("time"),
    sa.Column("data", sa.JSON(), nullable=False),
    sa.Column("dedupe_key", sa.String(), nullable=True),  # set: at most one event per key
    sa.Index("uq_outbox_dedupe_key", "dedupe_key", unique=True),
)

# No row yet: the event is due on that channel. The relay writes one on the first outcome.
outbox_deliveries = sa.Table(
    "outbox_deliveries",
    metadata,
    sa.Column("event", Id, sa.ForeignKey("outbox.id"), primary_key=True),
    sa.Column("channel", sa.String(), primary_key=True),  # broker | webhook:<name>
    sa.Column("status", sa.String(16), nullable=False),  # retrying | delivered | dead
    sa.Column("attempts", sa.Integer(), nullable=False),
    _when("next_attempt_at", nullable=True),
    sa.Column("last_error", sa.Text(), nullable=False, default=""),
    _when("updated_at"),
    sa.Index("ix_outbox_deliveries_channel_status", "channel", "status", "next_attempt_at"),
)
