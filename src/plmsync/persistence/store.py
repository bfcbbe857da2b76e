"""`SqlStore`: the engine's `JobStore` on SQLite (embedded) or PostgreSQL (scaled out).

    SqlStore("state/plmsync.sqlite")                       # a path: SQLite, migrated on open
    SqlStore("sqlite:////var/lib/plmsync/state.sqlite")
    SqlStore("postgresql+psycopg://plmsync@db/plmsync")    # migrated by `migrate.upgrade`

Each concern lives in its own module; this class only assembles them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from plmsync.persistence.audit import AuditMixin
from plmsync.persistence.deadletters import DeadLettersMixin
from plmsync.persistence.inbox import InboxMixin
from plmsync.persistence.jobs import JobsMixin
from plmsync.persistence.locks import LocksMixin
from plmsync.persistence.outbox import OutboxMixin
from plmsync.persistence.reviews import ReviewsMixin
from plmsync.persistence.steps import StepsMixin
from plmsync.persistence.synced import SyncedMixin

if TYPE_CHECKING:
    from plmsync.ports.outbox import OutboxStore
    from plmsync.ports.store import JobStore


class SqlStore(
    InboxMixin,
    JobsMixin,
    LocksMixin,
    StepsMixin,
    DeadLettersMixin,
    AuditMixin,
    ReviewsMixin,
    SyncedMixin,
    OutboxMixin,
):
    """Implements `plmsync.ports.store.JobStore`; every method is one transaction."""


if TYPE_CHECKING:  # mypy proves the class implements the port, method by method

    def _implements_the_port(store: SqlStore) -> JobStore:
        return store

    def _implements_the_outbox(store: SqlStore) -> OutboxStore:
        return store
