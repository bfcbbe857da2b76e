"""Chores a long-running worker does besides jobs, each on its own interval (drift
reconciliation today). Shared by the worker threads of one process: whichever thread finds a
chore due runs it, the others go on claiming jobs."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

from plmsync.engine.clock import Clock

log = logging.getLogger(__name__)


class Every:
    """Run `action` when due: first on the first turn, then `interval` after each start."""

    def __init__(self, interval: dt.timedelta, action: Callable[[], object], clock: Clock):
        self.interval = interval
        self.action = action
        self.clock = clock
        self._due: dt.datetime | None = None
        self._lock = threading.Lock()

    def __call__(self) -> None:
        if not self._claim():
            return
        try:
            self.action()
        except Exception:  # a failed chore must not stop the worker; it runs again when due
            log.exception("scheduled %s failed", getattr(self.action, "__name__", "chore"))

    def _claim(self) -> bool:
        now = self.clock.now()
        with self._lock:
            if self._due is not None and now < self._due:
                return False
            self._due = now + self.interval
            return True
