"""`TimedErp`: any `ErpTarget` whose calls are timed into a latency histogram."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager

from prometheus_client import Histogram

from plmsync.connectors.erp.wrapper import ErpWrapper
from plmsync.domain.plan import Step
from plmsync.domain.state import TargetState
from plmsync.ports.erp import ChangeRef, ErpTarget, Posting


class TimedErp(ErpWrapper):
    def __init__(self, inner: ErpTarget, histogram: Histogram):
        super().__init__(inner)
        self._histogram = histogram

    def check(self) -> None:
        with self._timed("check"):
            self.inner.check()

    def read(self, item_numbers: Collection[str]) -> TargetState:
        with self._timed("read"):
            return self.inner.read(item_numbers)

    def apply(self, change: ChangeRef, steps: Sequence[Step]) -> list[Posting]:
        return self._write("apply", self.inner.apply, change, steps)

    def stage(self, change: ChangeRef, steps: Sequence[Step]) -> list[Posting]:
        return self._write("stage", self.inner.stage, change, steps)

    def _write(
        self,
        operation: str,
        call: Callable[[ChangeRef, Sequence[Step]], list[Posting]],
        change: ChangeRef,
        steps: Sequence[Step],
    ) -> list[Posting]:
        with self._timed(operation):
            return call(change, steps)

    @contextmanager
    def _timed(self, operation: str) -> Iterator[None]:
        """Failed calls are timed too: a slow timeout is what latency alarms are for."""
        started = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - started
            self._histogram.labels(target=self.inner.name, operation=operation).observe(elapsed)
