"""A worker's hold on one job: the job's lease and the ERP-object locks taken for it.

The executor records which objects it locked; the worker's heartbeat renews both together, so
a long ERP call keeps its locks for exactly as long as its worker is alive. A heartbeat the
store refuses means another worker reclaimed the job: `lost` is set, and the executor's
final transition will be refused rather than overwrite the other worker's outcome.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Collection

from plmsync.engine.clock import Clock
from plmsync.ports.store import JobStore


class JobLease:
    def __init__(self, store: JobStore, job: int, worker: str, clock: Clock, length: dt.timedelta):
        self.store = store
        self.job = job
        self.worker = worker
        self._clock = clock
        self._length = length
        self._keys: frozenset[str] = frozenset()
        self._mutex = threading.Lock()
        self.lost = threading.Event()

    def lock(self, keys: Collection[str]) -> bool:
        """All or nothing (see `JobStore.lock_objects`); remembered for renewals."""
        now = self._clock.now()
        with self._mutex:
            if not self.store.lock_objects(self.job, keys, now, now + self._length):
                return False
            self._keys = frozenset(keys)
            return True

    def renew(self) -> bool:
        now = self._clock.now()
        with self._mutex:
            if not self.store.heartbeat(self.job, self.worker, now + self._length):
                self.lost.set()
                return False
            if self._keys:
                self.store.lock_objects(self.job, self._keys, now, now + self._length)
            return True

    def release(self) -> None:
        with self._mutex:
            self._keys = frozenset()
            self.store.release_locks(self.job)
