"""Errors the job store raises when the engine asks for something the stored state forbids.

    PlmsyncError
    └── StoreError
        ├── NotFound          no event, job or dead letter with that id
        └── StateConflict     the stored state forbids it (e.g. the letter is already resolved)
            ├── IllegalTransition   the job move is not in `ALLOWED`
            └── LeaseLost           the worker no longer holds the job (its lease was reclaimed)

These are the engine's own bugs or races, not a planner's problem: they carry the ids needed
to investigate and never reach `docs/errors.md`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from plmsync.domain.errors import PlmsyncError

if TYPE_CHECKING:
    from plmsync.engine.model import JobState

# `last_error_code` of a job taken back from a worker that stopped heartbeating.
LEASE_EXPIRED = "PLMSYNC-LEASE-EXPIRED"


class StoreError(PlmsyncError):
    code = "PLMSYNC-STORE"


class NotFound(StoreError, LookupError):
    code = "PLMSYNC-STORE-NOT-FOUND"

    def __init__(self, kind: str, ident: int):
        super().__init__(f"no {kind} with id {ident}")
        self.kind = kind
        self.ident = ident


class StateConflict(StoreError):
    """The stored state does not allow the requested change."""

    code = "PLMSYNC-STORE-STATE-CONFLICT"


class IllegalTransition(StateConflict):
    code = "PLMSYNC-STORE-ILLEGAL-TRANSITION"

    def __init__(self, job: int, current: JobState, to: JobState):
        super().__init__(f"job {job} cannot go from {current.value} to {to.value}")
        self.job = job
        self.current = current
        self.to = to


class LeaseLost(StateConflict):
    """A worker acted on a job it no longer holds: another worker may be running it."""

    code = "PLMSYNC-STORE-LEASE-LOST"

    def __init__(self, job: int, worker: str, holder: str):
        held = f"held by {holder!r}" if holder else "not held by any worker"
        super().__init__(f"job {job} is not leased to worker {worker!r}; it is {held}")
        self.job = job
        self.worker = worker
        self.holder = holder
