"""Plant databases cloned from one prepared template.

Activating Tryton's modules in a new database takes ~15-30 s; copying a prepared database
takes well under a second. The template (modules activated, one company, an `admin` user
working in it, Tryton's default warehouse and units) is built once per machine and cached under
`$PLMSYNC_CACHE_DIR` (default `~/.cache/plmsync`), keyed by a hash of the installed Tryton
versions and of the bridge module and this file, so any change to them rebuilds it. Each plant
database is a copy made with SQLite's backup API, then given its company name and currency.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from decimal import Decimal
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import Any

from plmsync.connectors.erp.tryton import pools, runtime
from plmsync.connectors.erp.tryton.gateway import Gateway
from plmsync.connectors.erp.tryton.session import TrytonSession
from plmsync.domain.errors import ConfigError

MODULES = (
    "company",
    "product",
    "production",
    "production_routing",
    "purchase",
    "stock",
    "plmsync_bridge",
)
ADMIN_LOGIN = "admin"
TEMPLATE_CURRENCY = "USD"
_BRIDGE = Path(__file__).with_name("bridge")
_DISTRIBUTIONS = ("trytond", *(f"trytond_{m}" for m in MODULES[:-1]))

# name, symbol, digits: enough for the plants we know; any other ISO code gets 2 digits.
_CURRENCIES = {
    "USD": ("U.S. Dollar", "$", 2),
    "EUR": ("Euro", "€", 2),
    "GBP": ("Pound Sterling", "£", 2),
    "CHF": ("Swiss Franc", "CHF", 2),
    "JPY": ("Yen", "¥", 0),
    "CNY": ("Yuan Renminbi", "¥", 2),
}


def create_database(path: Path, *, company_name: str, currency: str) -> None:
    """Create the plant database `path` (`*.sqlite`, must not exist) for one company."""
    _check_currency(currency)
    runtime.database_name(path)  # refuses a name trytond could not open, before copying
    clone(ensure_template(), path)
    TrytonSession(path, login=ADMIN_LOGIN).run_as_root(
        partial(_rename_company, name=company_name, currency=currency)
    )


def clone(source: Path, target: Path) -> None:
    """Copy a database page by page (SQLite backup API), then move it in place atomically."""
    if target.exists():
        raise ConfigError(f"{target} already exists; plmsync never overwrites an ERP database")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial_copy = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
    origin = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    with closing(origin), closing(sqlite3.connect(partial_copy)) as copy:
        origin.backup(copy)
    os.replace(partial_copy, target)


def ensure_template(directory: Path | None = None) -> Path:
    """The cached template, built first if missing (one builder at a time per cache dir)."""
    directory = directory or cache_dir()
    template = directory / f"tryton-template-{template_key()}.sqlite"
    if not template.exists():
        directory.mkdir(parents=True, exist_ok=True)
        with _exclusive(template.with_suffix(".lock")):
            if not template.exists():
                _build(template)
    return template


def cache_dir() -> Path:
    configured = os.environ.get("PLMSYNC_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "plmsync"


def template_key() -> str:
    """Changes whenever what the template contains could change."""
    digest = hashlib.sha256()
    for name in _DISTRIBUTIONS:
        digest.update(f"{name}=={metadata.version(name)};".encode())
    for source in sorted(_BRIDGE.glob("*.py")) + sorted(_BRIDGE.glob("*.cfg")):
        digest.update(source.read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:16]


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """A file lock: pytest-xdist workers wait for the first one's build instead of racing."""
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build(template: Path) -> None:
    work = template.with_name(f"build-{os.getpid()}-{uuid.uuid4().hex[:8]}.sqlite")
    try:
        _initialise(work)
        _activate(work)
        TrytonSession(work, login=ADMIN_LOGIN).run_as_root(_seed)
        _export(work, template)
    finally:
        pools.forget(runtime.database_name(work))
        for leftover in (work, Path(f"{work}-wal"), Path(f"{work}-shm")):
            leftover.unlink(missing_ok=True)


def _initialise(path: Path) -> None:
    """An empty database with trytond's base tables (as `trytond-admin` starts one)."""
    runtime.configure()
    from trytond import backend

    sqlite3.connect(path).close()
    database = backend.Database(runtime.database_name(path))
    database.connect()
    try:
        database.init()
    finally:
        database.close()


def _activate(path: Path) -> None:
    from trytond.pool import Pool

    modules = ["ir", "res", *MODULES]
    Pool(runtime.database_name(path)).init(update=modules, activatedeps=True, lang=["en"])


def _seed(gateway: Gateway) -> None:
    currency = _currency(gateway, TEMPLATE_CURRENCY)
    (party,) = gateway.create("party.party", [{"name": "plmsync plant"}])
    (company,) = gateway.create("company.company", [{"party": party, "currency": currency}])
    groups = [row["id"] for row in gateway.search_read("res.group", [], ["id"])]
    gateway.create("res.user", [_admin(company, groups)])


def _admin(company: int, groups: list[int]) -> dict[str, Any]:
    return {
        "login": ADMIN_LOGIN,
        "name": "plmsync",
        "companies": [("add", [company])],
        "company": company,
        "groups": [("add", groups)],
    }


def _export(work: Path, template: Path) -> None:
    """Publish the build as one self-contained file (journal DELETE: no -wal to miss)."""
    partial_copy = template.with_name(f".{template.name}.{os.getpid()}.part")
    with closing(sqlite3.connect(work)) as origin, closing(sqlite3.connect(partial_copy)) as copy:
        origin.backup(copy)
        copy.execute("PRAGMA journal_mode = DELETE")
    os.replace(partial_copy, template)


def _rename_company(gateway: Gateway, *, name: str, currency: str) -> None:
    (company,) = gateway.search_read("company.company", [], ["id", "party"])
    gateway.write("party.party", [([company["party"]], {"name": name})])
    currency_id = _currency(gateway, currency)
    gateway.write("company.company", [([company["id"]], {"currency": currency_id})])


def _currency(gateway: Gateway, code: str) -> int:
    found = gateway.search_read("currency.currency", [("code", "=", code)], ["id"])
    if found:
        return int(found[0]["id"])
    name, symbol, digits = _CURRENCIES.get(code, (code, code, 2))
    values = {"name": name, "symbol": symbol, "code": code, "digits": digits}
    rounding = Decimal(1).scaleb(-digits)
    (created,) = gateway.create("currency.currency", [{**values, "rounding": rounding}])
    return created


def _check_currency(code: str) -> None:
    if len(code) != 3 or not code.isalpha() or not code.isupper():
        raise ConfigError(f"currency {code!r} is not an ISO 4217 code such as USD or EUR")
