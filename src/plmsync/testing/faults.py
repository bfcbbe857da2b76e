"""`FaultyErp`: any `ErpTarget` with the failures real ERPs have, injected on purpose.

    erp = FaultyErp(InMemoryErp(), commit_then_timeout=0.2, unavailable_calls=2, seed=7)

- `unavailable_calls=n`: the first n calls of `check` / `read` / `apply` / `stage` raise
  `TransientError` (the ERP is down when the worker starts);
- `fail_before=p`: with probability p an `apply` / `stage` raises `TransientError` before the
  ERP sees it (a refused connection: nothing happened);
- `commit_then_timeout=p`: with probability p an `apply` / `stage` lets the ERP commit and then
  raises `TransientError` (the reply was lost: the caller cannot tell what happened). The
  postings it never got are kept in `unreported`, so a test can prove a retry reused them.

Decisions come from `random.Random(seed)`, two draws per write call whatever the
probabilities, so one seed gives one sequence of faults and changing one probability does not
move the other's. `injected` counts what was injected. Everything else is delegated.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from plmsync.connectors.erp.wrapper import ErpWrapper
from plmsync.domain.errors import TransientError
from plmsync.domain.plan import Step
from plmsync.domain.state import TargetState
from plmsync.ports.erp import ChangeRef, ErpTarget, Posting

__all__ = ["FaultyErp", "InjectedFaults"]

Write = Callable[[ChangeRef, Sequence[Step]], list[Posting]]


@dataclass
class InjectedFaults:
    """How many faults of each sort a `FaultyErp` raised."""

    unavailable: int = 0
    failed_before: int = 0
    committed_then_timed_out: int = 0

    @property
    def total(self) -> int:
        return self.unavailable + self.failed_before + self.committed_then_timed_out


class FaultyErp(ErpWrapper):
    """An `ErpTarget` that delegates to `inner` and injects faults (see the module docstring)."""

    def __init__(
        self,
        inner: ErpTarget,
        *,
        commit_then_timeout: float = 0.0,
        fail_before: float = 0.0,
        unavailable_calls: int = 0,
        seed: int = 0,
    ) -> None:
        _require_probability("commit_then_timeout", commit_then_timeout)
        _require_probability("fail_before", fail_before)
        if unavailable_calls < 0:
            raise ValueError(f"unavailable_calls must be >= 0, not {unavailable_calls}")
        super().__init__(inner)
        self.commit_then_timeout = commit_then_timeout
        self.fail_before = fail_before
        self._down_for = unavailable_calls
        self._random = random.Random(seed)
        self.injected = InjectedFaults()
        self.unreported: list[list[Posting]] = []

    # --- the ErpTarget port ---------------------------------------------------------------

    def check(self) -> None:
        self._require_up("check")
        self.inner.check()

    def read(self, item_numbers: Collection[str]) -> TargetState:
        self._require_up("read")
        return self.inner.read(item_numbers)

    def apply(self, change: ChangeRef, steps: Sequence[Step]) -> list[Posting]:
        return self._write("apply", self.inner.apply, change, steps)

    def stage(self, change: ChangeRef, steps: Sequence[Step]) -> list[Posting]:
        return self._write("stage", self.inner.stage, change, steps)

    # --- injection ------------------------------------------------------------------------

    def _write(
        self, call: str, write: Write, change: ChangeRef, steps: Sequence[Step]
    ) -> list[Posting]:
        self._require_up(call)
        fail_first = self._random.random() < self.fail_before
        lose_reply = self._random.random() < self.commit_then_timeout
        if fail_first:
            self.injected.failed_before += 1
            raise TransientError(f"{call} on ERP {self.name} failed before it reached the ERP")
        postings = write(change, steps)
        if lose_reply:
            self.injected.committed_then_timed_out += 1
            self.unreported.append(postings)
            raise TransientError(
                f"timeout after the ERP committed: {call} of {change.number} on ERP "
                f"{self.name} went through but its reply was lost"
            )
        return postings

    def _require_up(self, call: str) -> None:
        if self._down_for > 0:
            self._down_for -= 1
            self.injected.unavailable += 1
            raise TransientError(f"ERP {self.name} is unavailable ({call} refused: still starting)")


def _require_probability(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} is a probability between 0 and 1, not {value}")
