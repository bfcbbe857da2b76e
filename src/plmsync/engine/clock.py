"""Time, as the engine sees it: leases, backoff, run_after and effectivity all read one clock.

Tests swap in `ManualClock`, whose `sleep` advances time instead of waiting, so a retry due in
five minutes or a change effective next quarter is tested in milliseconds.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Protocol


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """Aware UTC time (the store compares leases and run_after in UTC)."""

    def today(self) -> dt.date:
        """The calendar date effectivity is compared with."""

    def sleep(self, seconds: float, stop: threading.Event) -> None:
        """Wait up to `seconds`, returning early when `stop` is set."""


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def today(self) -> dt.date:
        # The machine's local date: plants cut over on their own calendar day, and the
        # worker runs where the plants are (one region per deployment today).
        return dt.date.today()

    def sleep(self, seconds: float, stop: threading.Event) -> None:
        stop.wait(max(0.0, seconds))


class ManualClock:
    """A clock that moves only when told to (or when someone sleeps on it).

    Meant for one worker thread: with several, one idle thread's sleep moves time for all
    of them, and the leases of jobs the others are running expire under them."""

    def __init__(self, start: dt.datetime | None = None):
        self._now = start or dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC)
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        with self._lock:
            return self._now

    def today(self) -> dt.date:
        return self.now().date()

    def set(self, moment: dt.datetime) -> None:
        with self._lock:
            self._now = moment

    def advance(self, delta: dt.timedelta) -> None:
        with self._lock:
            self._now += delta

    def sleep(self, seconds: float, stop: threading.Event) -> None:
        # Time passes at once; yield briefly so other threads (a test's stopper) may run.
        self.advance(dt.timedelta(seconds=max(0.0, seconds)))
        stop.wait(0.001)
