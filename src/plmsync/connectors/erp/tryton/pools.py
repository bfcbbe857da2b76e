"""trytond's model pool for each plant database opened in this process.

Building a pool imports and sets up every model class of the activated modules (~1 s). The
classes depend only on the set of activated modules, and every plmsync database is cloned from
one template, so plant databases with the same module set share the classes of the first pool
built for that set; caches stay per database because trytond keys them by database name.
This uses two class attributes of `trytond.pool.Pool`; if they ever go, every database simply
gets its own pool again.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from plmsync.connectors.erp.tryton import runtime

_lock = threading.Lock()
_ready: set[str] = set()
_first_of_module_set: dict[frozenset[str], str] = {}


def ensure_pool(name: str, path: Path) -> None:
    """Make `Pool(name)` usable for the database at `path`."""
    from trytond.pool import Pool

    with _lock:
        if name in _ready and _filled(Pool, name):
            return
        modules = runtime.activated_modules(path)
        twin = _first_of_module_set.get(modules)
        if not (twin and _share(Pool, twin, name)):
            Pool(name).init()
            _first_of_module_set.setdefault(modules, name)
        _ready.add(name)


def forget(name: str) -> None:
    """Drop a database's pool (after its file is deleted)."""
    from trytond.pool import Pool

    with _lock:
        _ready.discard(name)
        for modules, first in list(_first_of_module_set.items()):
            if first == name:
                del _first_of_module_set[modules]
        Pool.stop(name)


def _filled(pool_class: Any, name: str) -> bool:
    pools = getattr(pool_class, "_pools", None)
    return pools is None or bool(pools.get(name))


def _share(pool_class: Any, twin: str, name: str) -> bool:
    pools = getattr(pool_class, "_pools", None)
    modules = getattr(pool_class, "_pool_modules", None)
    if pools is None or modules is None or not pools.get(twin):
        return False
    pools[name] = pools[twin]
    modules[name] = modules[twin]
    return True
