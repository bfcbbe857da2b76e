"""Alembic environment of the store, inside the package (no alembic.ini: see `migrate.py`)."""
