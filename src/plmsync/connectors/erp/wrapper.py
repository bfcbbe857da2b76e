"""`ErpWrapper`: an `ErpTarget` that forwards every call to the one it wraps.

Decorators of an ERP target (timing, fault injection, counting) subclass it and override
only the calls they change, so each states what it adds and nothing else.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from plmsync.domain.plan import Step
from plmsync.domain.state import TargetState
from plmsync.ports.erp import ChangeRef, ErpCapabilities, ErpTarget, Posting


class ErpWrapper:
    def __init__(self, inner: ErpTarget):
        self.inner = inner

    @property
    def name(self) -> str:
        return self.inner.name

    def check(self) -> None:
        self.inner.check()

    def capabilities(self) -> ErpCapabilities:
        return self.inner.capabilities()

    def read(self, item_numbers: Collection[str]) -> TargetState:
        return self.inner.read(item_numbers)

    def apply(self, change: ChangeRef, steps: Sequence[Step]) -> list[Posting]:
        return self.inner.apply(change, steps)

    def stage(self, change: ChangeRef, steps: Sequence[Step]) -> list[Posting]:
        return self.inner.stage(change, steps)

    def close(self) -> None:
        self.inner.close()
