"""Raise each SLA breach once: an audit entry (`sla.breached`), a warning in the log, and
whatever else listens (the Prometheus counter, an outbound webhook).

`plmsync serve` runs `SlaWatch.check` on its scheduler. A breach is recorded once per job: a
job already named by a `sla.breached` entry of its change is not raised again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import structlog

from plmsync.domain.sla import Breach, SlaPolicy, breaches
from plmsync.engine.clock import Clock
from plmsync.engine.facts import FactReader
from plmsync.ports.store import AuditDraft, JobStore

ACTION = "sla.breached"
log = structlog.get_logger("plmsync.sla")

BreachListener = Callable[[Breach], None]


class SlaWatch:
    def __init__(
        self,
        store: JobStore,
        policy: SlaPolicy,
        clock: Clock,
        listeners: Sequence[BreachListener] = (),
    ):
        self.store = store
        self.policy = policy
        self.clock = clock
        self.listeners = list(listeners)
        self.facts = FactReader(store)  # kept: each stored package is parsed once

    def current(self) -> list[Breach]:
        """Every plant past its threshold now (recorded before or not)."""
        return breaches(self.policy, self.facts.clocks(), self.clock.now())

    def check(self) -> list[Breach]:
        """Record and announce the breaches not raised before; return them."""
        fresh = [b for b in self.current() if b.clock.job not in self._raised(b.change)]
        for breach in fresh:
            self._raise(breach)
        return fresh

    def _raised(self, change: str) -> set[int]:
        trail = self.store.audit_trail(change)
        return {int(e.details.get("job", 0)) for e in trail if e.action == ACTION}

    def _raise(self, breach: Breach) -> None:
        clock = breach.clock
        self.store.audit(
            AuditDraft(
                change_number=clock.change,
                action=ACTION,
                plant=clock.plant,
                outcome="breached",
                details=breach.facts(),
            )
        )
        log.warning(ACTION, **breach.facts())
        for listener in self.listeners:
            listener(breach)
