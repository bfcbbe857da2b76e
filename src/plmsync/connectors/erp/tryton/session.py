"""One plant database opened in this process: transactions, users and error translation.

Every unit of work runs as a callable inside one trytond transaction: committed when it
returns, rolled back when it raises, so a refused batch leaves nothing behind. A callable
(rather than a `with` block) lets the session restart the work when trytond asks for a
transaction with locked tables, as trytond's own RPC dispatcher does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from plmsync.connectors.erp.tryton import errors, pools, runtime
from plmsync.connectors.erp.tryton.gateway import Gateway, PoolGateway
from plmsync.domain.errors import AuthError, PlmsyncError, TransientError

T = TypeVar("T")
ROOT = 0  # trytond's superuser id, used only to find the configured user
_ATTEMPTS = 5


class TrytonSession:
    """Runs work on the Tryton database at `path` as `login` (with that user's company)."""

    def __init__(self, path: Path, *, login: str = "admin"):
        runtime.configure()
        runtime.require_database(path)
        self.path = path.resolve()
        self.name = runtime.database_name(self.path)
        self._login = login
        self._user: int | None = None
        self._context: dict[str, Any] = {}

    def run(self, work: Callable[[Gateway], T], *, readonly: bool = False) -> T:
        user, context = self._identity()
        return self._run_as(user, context, work, readonly=readonly)

    @property
    def company(self) -> int:
        """The company the user works in (record rules and supplier records follow it)."""
        company = self._identity()[1].get("company")
        if not company:
            raise AuthError(f"Tryton user {self._login!r} in {self.path} has no company set")
        return int(company)

    def run_as_root(self, work: Callable[[Gateway], T]) -> T:
        """Administration (building templates, naming the company): no user context."""
        return self._run_as(ROOT, {}, work, readonly=False)

    def _identity(self) -> tuple[int, dict[str, Any]]:
        if self._user is None:
            user = self._run_as(ROOT, {}, self._user_id, readonly=True)
            self._context = self._run_as(user, {}, _preferences, readonly=True)
            self._user = user
        return self._user, self._context

    def _user_id(self, gateway: Gateway) -> int:
        found = gateway.search_read("res.user", [("login", "=", self._login)], ["id"])
        if not found:
            raise AuthError(f"no Tryton user {self._login!r} in {self.path}")
        return int(found[0]["id"])

    def _run_as(
        self, user: int, context: dict[str, Any], work: Callable[[Gateway], T], *, readonly: bool
    ) -> T:
        from trytond.transaction import TransactionError

        extras: dict[str, Any] = {}
        for _ in range(_ATTEMPTS):
            try:
                return self._attempt(user, context, work, readonly, extras)
            except TransactionError as retry:
                retry.fix(extras)
        raise TransientError(f"{self.path}: Tryton kept asking to restart the transaction")

    def _attempt(
        self,
        user: int,
        context: dict[str, Any],
        work: Callable[[Gateway], T],
        readonly: bool,
        extras: dict[str, Any],
    ) -> T:
        from trytond.pool import Pool
        from trytond.transaction import Transaction

        pools.ensure_pool(self.name, self.path)
        start = Transaction().start
        with (
            _translated(),
            _closing() as opened,
            start(self.name, user, readonly=readonly, context=context, **extras) as transaction,
        ):
            opened.append(transaction.database)
            return work(PoolGateway(Pool()))


def _preferences(gateway: Gateway) -> dict[str, Any]:
    """The user's context (company, language…): record rules follow the user's company."""
    return dict(gateway.call("res.user", "get_preferences", True))


@contextmanager
def _closing() -> Iterator[list[Any]]:
    """Close the SQLite connection a transaction opened (trytond leaves it to the GC)."""
    opened: list[Any] = []
    try:
        yield opened
    finally:
        for database in opened:
            database.close()


@contextmanager
def _translated() -> Iterator[None]:
    from trytond.transaction import TransactionError

    try:
        yield
    except (PlmsyncError, TransactionError):
        raise
    except Exception as exc:
        mapped = errors.translate(exc)
        if mapped is None:
            raise
        raise mapped from exc
