"""An in-memory ERP that keeps the rules a real one keeps; it passes the same contract suite
(`plmsync.testing.erp_contract`) as the Tryton adapter, so tests using it cannot drift.

    erp = InMemoryErp()                            # Tryton's default units: EA 0 digits, KG 2 …
    postings = erp.apply(ChangeRef("ECO-1", "US01"), plan.steps)
    erp.read({"PMP-40"})                           # what the ERP now holds, as a TargetState
    erp.write_count                                # every create/write it received

What it keeps, like Tryton:
- records with an integer id per model (product, bom, routing, attachment, product_supplier),
  each carrying the change (`plm_change`) that last wrote it;
- a product's BOMs (and routings) as a list whose first entry is in use: a new revision goes
  first and the earlier ones stay after it;
- superseded documents stay stored but inactive, so `read` shows the current revision only;
  retired sources are deactivated, never deleted;
- every `apply` call is all-or-nothing: on any error the tables are restored;
- `stage` keeps a future revision out of use: a staged BOM or routing is stored on no
  product's list (Tryton: a record not linked to the product); `apply` finds a stored record by
  item and revision, listed or not, and puts it first, so a revision keeps one id from
  staging to use.

What it rejects, like Tryton: a unit not in its unit table (`ConfigError`), a quantity finer
than its unit keeps (`RejectedError` `PLMSYNC-ERP-UNIT-PRECISION`), a record referring to a
product it does not have (`RejectedError`).

Failure seams for tests (plain attributes, settable at any time):
- `unavailable=True`: `check`, `read` and `apply` raise `TransientError`;
- `reject_keys={"PMP-40"}`: `apply` and `stage` raise `RejectedError` on a step with one of
  these keys.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import TypeVar

from plmsync.config import DEFAULT_UNITS, UnitMapping
from plmsync.domain.errors import ConfigError, ErpMessage, RejectedError, TransientError
from plmsync.domain.issues import CATALOGUE
from plmsync.domain.plan import Action, Step
from plmsync.domain.state import (
    BomLineRecord,
    BomRecord,
    DocumentRecord,
    ItemRecord,
    ObjectKind,
    Record,
    RoutingRecord,
    SourceRecord,
    TargetState,
    state_of,
)
from plmsync.pipeline.stage import is_stageable
from plmsync.ports.erp import ChangeRef, ErpCapabilities, Posting
from plmsync.testing.fake_tables import Model, StoredRow, Tables, WriteCall, item_of

__all__ = ["InMemoryErp", "Model", "StoredRow", "WriteCall", "tryton_digits"]

# Tryton's product/uom.xml gives the unit `u` 0 digits; every other unit keeps the default, 2.
_TRYTON_DIGITS = {"u": 0}
_TRYTON_DEFAULT_DIGITS = 2
PRECISION_CODE = "PLMSYNC-ERP-UNIT-PRECISION"

R = TypeVar("R", ItemRecord, BomRecord, RoutingRecord, DocumentRecord, SourceRecord)
T = TypeVar("T")
Poster = Callable[[ChangeRef, Step], tuple[Model, list[StoredRow]]]


def tryton_digits(units: Mapping[str, UnitMapping]) -> dict[str, int]:
    """Canonical unit code → the digits Tryton keeps for the ERP unit it maps to."""
    return {
        code: _TRYTON_DIGITS.get(unit.erp, _TRYTON_DEFAULT_DIGITS) for code, unit in units.items()
    }


class InMemoryErp:
    """An `ErpTarget` held in memory (see the module docstring for the rules it keeps)."""

    def __init__(
        self,
        name: str = "memory",
        *,
        units: Mapping[str, UnitMapping] = DEFAULT_UNITS,
        digits: Mapping[str, int] | None = None,
        unavailable: bool = False,
        reject_keys: Collection[str] = (),
    ) -> None:
        """`units` is the unit table (canonical code → ERP unit); `digits` overrides, per
        canonical code, the decimals Tryton would keep for it."""
        self._name = name
        self._digits = {**tryton_digits(units), **(digits or {})}
        self.unavailable = unavailable
        self.reject_keys = set(reject_keys)
        self._tables = Tables()
        self._posters: dict[ObjectKind, Poster] = {
            ObjectKind.ITEM: self._post_item,
            ObjectKind.BOM: self._post_bom,
            ObjectKind.ROUTING: self._post_routing,
            ObjectKind.DOCUMENT: self._post_document,
            ObjectKind.SOURCE: self._post_source,
        }
        self._stagers: dict[ObjectKind, Poster] = {
            ObjectKind.ITEM: self._stage_item,
            ObjectKind.BOM: self._stage_bom,
            ObjectKind.ROUTING: self._stage_routing,
        }

    # --- the ErpTarget port ---------------------------------------------------------------

    @property
    def name(self) -> str:
        return self._name

    def check(self) -> None:
        self._require_available()

    def capabilities(self) -> ErpCapabilities:
        return ErpCapabilities(reference_designators=True, unit_digits=dict(self._digits))

    def read(self, item_numbers: Collection[str]) -> TargetState:
        self._require_available()
        return state_of([record for n in item_numbers for record in self._current(n)])

    def apply(self, change: ChangeRef, steps: Sequence[Step]) -> list[Posting]:
        self._require_available()
        actionable = [s for s in steps if s.action is not Action.UNCHANGED]
        return self._atomically(lambda: [self._post(self._posters, change, s) for s in actionable])

    def stage(self, change: ChangeRef, steps: Sequence[Step]) -> list[Posting]:
        self._require_available()
        wanted = [s for s in steps if is_stageable(s)]
        return self._atomically(lambda: [self._post(self._stagers, change, s) for s in wanted])

    def close(self) -> None:
        """Nothing to release: the tables live as long as the object."""

    # --- inspection, for tests ------------------------------------------------------------

    @property
    def writes(self) -> tuple[WriteCall, ...]:
        """Every create and write received, in order (rolled-back calls leave none)."""
        return tuple(self._tables.writes)

    @property
    def write_count(self) -> int:
        return len(self._tables.writes)

    def rows(self, model: Model) -> tuple[StoredRow, ...]:
        """Every row of a model, active or not, by id."""
        return tuple(self._tables.rows[model].values())

    def revisions(self, model: Model, item: str) -> tuple[StoredRow, ...]:
        """An item's rows of a model in the ERP's order (BOMs and routings: in use first)."""
        return tuple(self._tables.of_item(model, item))

    # --- reading --------------------------------------------------------------------------

    def _current(self, item: str) -> Iterator[Record]:
        for model in (Model.PRODUCT, Model.BOM, Model.ROUTING):
            yield from (row.record for row in self._tables.of_item(model, item)[:1])
        for model in (Model.ATTACHMENT, Model.PRODUCT_SUPPLIER):
            yield from (row.record for row in self._tables.of_item(model, item) if row.active)

    # --- posting --------------------------------------------------------------------------

    def _atomically(self, work: Callable[[], T]) -> T:
        before = self._tables.snapshot()
        try:
            return work()
        except BaseException:
            self._tables = before  # all-or-nothing, like a database transaction
            raise

    def _post(self, posters: Mapping[ObjectKind, Poster], change: ChangeRef, step: Step) -> Posting:
        if step.key in self.reject_keys:
            raise RejectedError(
                f"{self.name} refused {step.kind} {step.key} (rejection requested by a test)",
                object_key=step.key,
            )
        model, rows = posters[step.kind](change, step)
        return Posting(step.key, step.kind, step.action.value, model, tuple(r.id for r in rows))

    def _post_item(self, change: ChangeRef, step: Step) -> tuple[Model, list[StoredRow]]:
        item = _desired(step, ItemRecord)
        self._unit_digits(item.uom, step.key)
        return Model.PRODUCT, [self._upsert(Model.PRODUCT, item, change, step.key, _any)]

    def _post_bom(self, change: ChangeRef, step: Step) -> tuple[Model, list[StoredRow]]:
        bom = self._acceptable_bom(step)
        return Model.BOM, [self._put_in_use(Model.BOM, bom, change, step.key)]

    def _acceptable_bom(self, step: Step) -> BomRecord:
        bom = _desired(step, BomRecord)
        self._require_products([bom.item, *(line.component for line in bom.lines)], step.key)
        for line in bom.lines:
            self._require_precision(line, step.key)
        return bom

    def _post_routing(self, change: ChangeRef, step: Step) -> tuple[Model, list[StoredRow]]:
        routing = _desired(step, RoutingRecord)
        self._require_products([routing.item], step.key)
        return Model.ROUTING, [self._put_in_use(Model.ROUTING, routing, change, step.key)]

    def _post_document(self, change: ChangeRef, step: Step) -> tuple[Model, list[StoredRow]]:
        if step.action is Action.RETIRE:
            return Model.ATTACHMENT, self._deactivate(Model.ATTACHMENT, change, step)
        doc = _desired(step, DocumentRecord)
        self._require_products([doc.item], step.key)
        row = self._upsert(Model.ATTACHMENT, doc, change, step.key, _same_revision(doc))
        for other in self._tables.of_item(Model.ATTACHMENT, doc.item):
            if other.record.key == doc.key and other.id != row.id:
                self._tables.write(other, change, step.key, active=False)  # superseded
        return Model.ATTACHMENT, [row]

    def _post_source(self, change: ChangeRef, step: Step) -> tuple[Model, list[StoredRow]]:
        if step.action is Action.RETIRE:
            return Model.PRODUCT_SUPPLIER, self._deactivate(Model.PRODUCT_SUPPLIER, change, step)
        source = _desired(step, SourceRecord)
        self._require_products([source.item], step.key)
        row = self._upsert(Model.PRODUCT_SUPPLIER, source, change, step.key, _same_key(source))
        return Model.PRODUCT_SUPPLIER, [row]

    # --- staging --------------------------------------------------------------------------

    def _stage_item(self, change: ChangeRef, step: Step) -> tuple[Model, list[StoredRow]]:
        item = _desired(step, ItemRecord)
        existing = self._tables.find(Model.PRODUCT, item.number, _any)
        if existing is not None and existing.active:
            # The plan was made before someone created it; production may use it already.
            return Model.PRODUCT, [existing]
        return self._post_item(change, step)

    def _stage_bom(self, change: ChangeRef, step: Step) -> tuple[Model, list[StoredRow]]:
        bom = self._acceptable_bom(step)
        return Model.BOM, [self._stage_revision(Model.BOM, bom, change, step.key)]

    def _stage_routing(self, change: ChangeRef, step: Step) -> tuple[Model, list[StoredRow]]:
        routing = _desired(step, RoutingRecord)
        self._require_products([routing.item], step.key)
        return Model.ROUTING, [self._stage_revision(Model.ROUTING, routing, change, step.key)]

    def _stage_revision(
        self, model: Model, record: BomRecord | RoutingRecord, change: ChangeRef, step_key: str
    ) -> StoredRow:
        """Store a revision on no list, so it is not in use; found again by item and revision."""
        in_use = self._tables.of_item(model, record.item)[:1]
        if in_use and _revision(in_use[0].record) == record.revision:
            return in_use[0]  # already in use: rewriting it now would change production early
        row = self._tables.find(model, record.item, _same_revision(record))
        if row is None:
            return self._tables.create(model, record, change, step_key, listed=False)
        return self._tables.write(row, change, step_key, record=record, active=True)

    # --- storage rules --------------------------------------------------------------------

    def _upsert(
        self,
        model: Model,
        record: Record,
        change: ChangeRef,
        step_key: str,
        same: Callable[[Record], bool],
    ) -> StoredRow:
        """Create the record, or bring the stored one up to date and active. Finding it by
        natural key (not trusting the step's action) is what makes a replayed step harmless."""
        existing = self._tables.find(model, item_of(record), same)
        if existing is None:
            return self._tables.create(model, record, change, step_key)
        return self._tables.write(existing, change, step_key, record=record, active=True)

    def _put_in_use(
        self, model: Model, record: BomRecord | RoutingRecord, change: ChangeRef, step_key: str
    ) -> StoredRow:
        row = self._upsert(model, record, change, step_key, _same_revision(record))
        self._tables.put_first(row, step_key)
        return row

    def _deactivate(self, model: Model, change: ChangeRef, step: Step) -> list[StoredRow]:
        if step.current is None:
            raise _malformed(step)
        item = item_of(step.current)
        rows = [r for r in self._tables.of_item(model, item) if r.record.key == step.key]
        if not rows:
            raise _missing(f"{model} {step.key}", step.key)
        return [self._tables.write(row, change, step.key, active=False) for row in rows]

    # --- what the ERP refuses -------------------------------------------------------------

    def _require_available(self) -> None:
        if self.unavailable:
            raise TransientError(f"ERP {self.name} is unavailable (simulated outage)")

    def _require_products(self, numbers: Sequence[str], step_key: str) -> None:
        missing = [n for n in numbers if not self._tables.of_item(Model.PRODUCT, n)]
        if missing:
            raise _missing(f"product {', '.join(missing)}", step_key)

    def _unit_digits(self, uom: str, step_key: str) -> int:
        if uom not in self._digits:
            known = ", ".join(sorted(self._digits))
            raise ConfigError(
                f"{step_key}: unit {uom!r} is not in the unit table of ERP {self.name} "
                f"(known: {known})"
            )
        return self._digits[uom]

    def _require_precision(self, line: BomLineRecord, step_key: str) -> None:
        digits = self._unit_digits(line.uom, step_key)
        if _decimals(line.quantity) <= digits:
            return
        raise RejectedError(
            f"{step_key} line {line.find_number}: {line.quantity} {line.uom} has more than "
            f"the {digits} decimal(s) ERP {self.name} keeps for {line.uom}",
            code=PRECISION_CODE,
            remedy=CATALOGUE[PRECISION_CODE].remedy,
            erp_messages=(_digits_message(line, digits, step_key),),
            object_key=f"{step_key}#{line.find_number}",
        )


def _desired(step: Step, kind: type[R]) -> R:
    if not isinstance(step.desired, kind):
        raise _malformed(step)
    return step.desired


def _malformed(step: Step) -> RejectedError:
    # A step without the record its kind needs is a payload the ERP cannot take.
    return RejectedError(
        f"{step.kind} step {step.key} ({step.action}) carries no {step.kind} record",
        object_key=step.key,
    )


def _missing(what: str, step_key: str) -> RejectedError:
    return RejectedError(
        f"{step_key}: the ERP has no {what}",
        erp_messages=(ErpMessage(f"{what} does not exist", record=step_key),),
        object_key=step_key,
    )


def _digits_message(line: BomLineRecord, digits: int, step_key: str) -> ErpMessage:
    """Worded as Tryton words its digits check, so dead letters read the same for both."""
    return ErpMessage(
        f'The number of digits in the value "{line.quantity}" for field "Quantity" in '
        f'"BOM Input" exceeds the limit of "{digits}".',
        model=Model.BOM,
        record=f"{step_key}#{line.find_number}",
    )


def _decimals(quantity: Decimal) -> int:
    exponent = quantity.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _any(record: Record) -> bool:
    return True  # one product per item number


def _same_revision(wanted: BomRecord | RoutingRecord | DocumentRecord) -> Callable[[Record], bool]:
    return lambda record: record.key == wanted.key and _revision(record) == wanted.revision


def _same_key(wanted: Record) -> Callable[[Record], bool]:
    return lambda record: record.key == wanted.key


def _revision(record: Record) -> str:
    return getattr(record, "revision", "")
