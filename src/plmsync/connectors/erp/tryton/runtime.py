"""Process-wide trytond setup, and how a plant's SQLite file is named inside trytond.

trytond keeps its configuration and its model pool in module globals, and its SQLite backend
opens `<database.path>/<database name>.sqlite`. plmsync points `database.path` at the file
system root and names each database after its absolute path without the `.sqlite` suffix, so
one process can open any number of plant files (`DIR/erp/<PLANT>.sqlite`) wherever they are,
each under its own name and therefore with its own trytond caches.
"""

from __future__ import annotations

import sqlite3
from functools import cache
from pathlib import Path

from plmsync.domain.errors import ConfigError

SUFFIX = ".sqlite"
_ROOT = "/"


@cache
def configure() -> None:
    """Set trytond's options before its first use (some are read when trytond imports)."""
    from trytond import config

    config.set("database", "uri", "sqlite://")
    config.set("database", "path", _ROOT)
    # Attachments are links to PLM; without this trytond would also want a filestore folder
    # next to every cloned database.
    config.set("attachment", "filestore", "False")
    from trytond import backend

    if backend.name != "sqlite":  # trytond picks its backend once, when first imported
        raise ConfigError(
            f"trytond was loaded with the {backend.name!r} backend before plmsync configured it",
            remedy="Unset TRYTOND_DATABASE_URI (plmsync's Tryton target runs on SQLite).",
        )


def database_name(path: Path) -> str:
    """The trytond database name that opens `path` (an absolute `.sqlite` file)."""
    resolved = path.resolve()
    if resolved.suffix != SUFFIX:
        raise ConfigError(f"{path}: a Tryton SQLite database must be a *{SUFFIX} file")
    return str(resolved.with_suffix(""))[len(_ROOT) :]


def require_database(path: Path) -> None:
    if not path.is_file():
        raise ConfigError(
            f"no Tryton database at {path}",
            remedy="Create it with `plmsync init`, or correct `database` in plmsync.yaml.",
        )


def activated_modules(path: Path) -> frozenset[str]:
    """Which Tryton modules a database has activated, read without trytond (it is cheap)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        try:
            rows = connection.execute("SELECT name FROM ir_module WHERE state = 'activated'")
            modules = frozenset(name for (name,) in rows)
        except sqlite3.DatabaseError as exc:
            raise ConfigError(f"{path} is not a Tryton database: {exc}") from exc
    connection.close()
    return modules
