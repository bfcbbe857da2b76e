"""The engine's durable store: SQLAlchemy Core tables, Alembic migrations, `SqlStore`."""

from plmsync.persistence.migrate import upgrade
from plmsync.persistence.store import SqlStore

__all__ = ["SqlStore", "upgrade"]
