"""`TrytonErp`: plmsync's `ErpTarget` for one Tryton database (one plant).

In-process: trytond runs inside plmsync on the plant's SQLite file, which measured an order of
magnitude faster than proteus objects and needs no server. Each `read` is one read-only
transaction; each `apply` is one transaction for all its steps, so a refused call leaves
nothing behind. The `Session` seam (gateway.py) is where an XML-RPC transport would plug in.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path

from plmsync.config import TrytonTarget, UnitMapping, WorkspaceConfig
from plmsync.connectors.erp.tryton.gateway import Gateway, Session
from plmsync.connectors.erp.tryton.reader import read_state
from plmsync.connectors.erp.tryton.session import TrytonSession
from plmsync.connectors.erp.tryton.units import UOM_FIELDS, UnitTable
from plmsync.connectors.erp.tryton.writer import (
    WriteContext,
    referenced_items,
    stage_steps,
    write_steps,
)
from plmsync.domain.errors import ConfigError
from plmsync.domain.plan import Action, Step
from plmsync.domain.state import TargetState
from plmsync.pipeline.stage import is_stageable
from plmsync.ports.erp import ChangeRef, ErpCapabilities, Posting

StepWriter = Callable[[WriteContext, Sequence[Step]], list[Posting]]

BRIDGE_MODULE = "plmsync_bridge"


class TrytonErp:
    """Reads and writes one Tryton database. Nothing is opened before the first call."""

    def __init__(
        self,
        name: str,
        target: TrytonTarget,
        *,
        units: Mapping[str, UnitMapping],
        base_dir: Path,
    ):
        _require_supported(target)
        self._path = base_dir / target.database
        self._login = target.user
        self._name = name
        self._unit_mapping = dict(units)
        self._session: Session | None = None
        self._units: UnitTable | None = None

    @classmethod
    def from_workspace(cls, config: WorkspaceConfig, target_name: str) -> TrytonErp:
        target = config.targets.get(target_name)
        if not isinstance(target, TrytonTarget):
            raise ConfigError(f"target {target_name!r} is not a Tryton target in plmsync.yaml")
        return cls(target_name, target, units=config.units, base_dir=config.base_dir)

    @property
    def name(self) -> str:
        return self._name

    def check(self) -> None:
        """The database opens, the user exists and works in a company, the bridge is on."""
        session = self._open()
        _ = session.company
        if not session.run(_bridge_activated, readonly=True):
            raise ConfigError(
                f"{self._path}: Tryton module {BRIDGE_MODULE} is not activated",
                remedy="Create plant databases with `plmsync init` (they come with it).",
            )

    def capabilities(self) -> ErpCapabilities:
        return ErpCapabilities(
            line_effectivity=False,
            reference_designators=True,
            unit_digits=self._unit_table().digits_by_code(),
        )

    def read(self, item_numbers: Collection[str]) -> TargetState:
        units = self._unit_table()
        wanted = set(item_numbers)
        return self._open().run(lambda gw: read_state(gw, units, wanted), readonly=True)

    def apply(self, change: ChangeRef, steps: Sequence[Step]) -> list[Posting]:
        return self._post(change, steps, write_steps)

    def stage(self, change: ChangeRef, steps: Sequence[Step]) -> list[Posting]:
        """Prepare a future-effective change: new items, BOM and routing revisions not in use
        (unlinked records); `apply` at the effective date finds and links them."""
        return self._post(change, [s for s in steps if is_stageable(s)], stage_steps)

    def _post(self, change: ChangeRef, steps: Sequence[Step], writer: StepWriter) -> list[Posting]:
        actionable = [step for step in steps if step.action is not Action.UNCHANGED]
        if not actionable:
            return []
        session, units = self._open(), self._unit_table()
        company = session.company

        def post(gateway: Gateway) -> list[Posting]:
            context = WriteContext(gateway, units, change, company, _currency(gateway, company))
            context.refresh(sorted(referenced_items(actionable)))
            return writer(context, actionable)

        return session.run(post)

    def close(self) -> None:
        self._session = None
        self._units = None

    def _open(self) -> Session:
        if self._session is None:
            self._session = TrytonSession(self._path, login=self._login)
        return self._session

    def _unit_table(self) -> UnitTable:
        if self._units is None:
            rows = self._open().run(_uoms, readonly=True)
            self._units = UnitTable(self._unit_mapping, rows)
        return self._units


def _require_supported(target: TrytonTarget) -> None:
    if target.xmlrpc_url or target.backend != "sqlite":
        raise ConfigError(
            "this plmsync reaches Tryton in-process on SQLite only; "
            "PostgreSQL and XML-RPC targets are planned (see docs/erp/tryton.md)",
        )


def _bridge_activated(gateway: Gateway) -> bool:
    domain = [("name", "=", BRIDGE_MODULE), ("state", "=", "activated")]
    return bool(gateway.search_read("ir.module", domain, ["id"]))


def _uoms(gateway: Gateway) -> list[dict[str, object]]:
    return gateway.search_read("product.uom", [], UOM_FIELDS)


def _currency(gateway: Gateway, company: int) -> int:
    (row,) = gateway.search_read("company.company", [("id", "=", company)], ["currency"])
    return int(row["currency"])
