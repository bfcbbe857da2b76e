"""One live read of each plant's ERP per plan.

Validating a package reads every plant for the items it refers to without carrying them;
planning then reads each plant for the items its plan covers, which are mostly the same.
Reading once and narrowing (`TargetState.restricted_to`) halves the ERP reads of a change;
a later call that asks for items the first read did not cover (a plant's alternates) reads
just those. Every adapter guarantees that a record's presence in a read depends only on its
own item (ErpTargetContract), so the plan is what one read of all its items would give.
One instance lives for one `plan` call: the next attempt of a job reads the ERP afresh.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from plmsync.domain.state import TargetState, state_of
from plmsync.ports.erp import ErpTarget


class LiveReads:
    def __init__(self, targets: Mapping[str, ErpTarget]):
        self._targets = targets
        self._read: dict[str, tuple[frozenset[str], TargetState]] = {}

    def of(self, plant: str, numbers: Collection[str]) -> TargetState:
        """What `plant`'s ERP holds for these items."""
        wanted = frozenset(numbers)
        covered, state = self._read.get(plant, (frozenset(), TargetState()))
        if not wanted <= covered:
            more = self._targets[plant].read(wanted - covered)
            covered, state = covered | wanted, state_of(state.records() + more.records())
            self._read[plant] = (covered, state)
        return state.restricted_to(wanted)
