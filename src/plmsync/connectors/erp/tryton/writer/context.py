"""What every kind's writer shares while one `apply` call runs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from plmsync.connectors.erp.tryton import errors, products
from plmsync.connectors.erp.tryton.gateway import Gateway
from plmsync.connectors.erp.tryton.products import Product
from plmsync.connectors.erp.tryton.units import UnitTable
from plmsync.domain.plan import Action, Step
from plmsync.domain.state import Record
from plmsync.ports.erp import ChangeRef, Posting

R = TypeVar("R", bound=Record)


@dataclass
class WriteContext:
    gateway: Gateway
    units: UnitTable
    change: ChangeRef
    company: int
    currency: int
    products: dict[str, Product] = field(default_factory=dict)

    @property
    def stamp(self) -> dict[str, str]:
        """Every record plmsync creates or changes carries the change that did it."""
        return {"plm_change": self.change.number}

    def product(self, number: str) -> Product:
        found = self.products.get(number)
        if found is None:
            raise errors.rejected(
                f"item {number} is not in Tryton (not released yet, or retired)",
                code=errors.MISSING_RECORD,
                model=products.PRODUCT,
            )
        return found

    def refresh(self, numbers: Sequence[str]) -> None:
        self.products.update(products.find(self.gateway, numbers, retired=True))


def desired(step: Step, kind: type[R]) -> R:
    """The record a step wants written, checked to be of the expected kind."""
    return _checked(step, step.desired, kind)


def existing(step: Step, kind: type[R]) -> R:
    """The record a step changes or retires (what was read; else what is wanted)."""
    return _checked(step, step.current or step.desired, kind)


def _checked(step: Step, record: Record | None, kind: type[R]) -> R:
    if not isinstance(record, kind):
        raise ValueError(f"step {step.key} ({step.action}) carries no {kind.__name__}")
    return record


def of_actions(steps: Sequence[Step], *actions: Action) -> list[Step]:
    return [step for step in steps if step.action in actions]


def posting(step: Step, model: str, ids: Sequence[int]) -> Posting:
    return Posting(step.key, step.kind, step.action.value, model, tuple(ids))


Writer = Callable[[WriteContext, Sequence[Step]], list[Posting]]
