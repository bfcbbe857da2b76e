"""Polling a PLM into the inbox: every found change is submitted, the cursor is saved only
after, repeats are duplicates, an unmappable change is kept as rejected, failures keep the
cursor where it was."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest

from plmsync.domain.package import ChangePackage
from plmsync.engine.cursors import CursorFile
from plmsync.engine.model import EventStatus
from plmsync.engine.poller import Poller, poll_until_stopped
from plmsync.persistence import SqlStore
from plmsync.ports.plm import PlmEvent, Polled
from plmsync.ports.plm_errors import (
    PlmAuthError,
    PlmMappingFailed,
    PlmRateLimited,
    PlmUnavailable,
)
from plmsync.testing.fake_plm import InMemoryPlm
from plmsync.testing.packages import eco_package, release_package

T0 = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)


def statuses(store: SqlStore, change: str) -> list[str]:
    return [str(e.status) for e in store.events_for(change)]


class CrashesBeforeSaving(CursorFile):
    """The process dies after submitting, before the cursor is stored (once)."""

    crashed = False

    def save(self, cursor: str) -> None:
        if not self.crashed:
            self.crashed = True
            raise KeyboardInterrupt("killed")
        super().save(cursor)


def test_each_released_change_is_submitted_and_the_cursor_moves_on(
    store: SqlStore, tmp_path: Path
) -> None:
    plm = InMemoryPlm(page_size=50)
    release, eco = release_package(), eco_package()
    plm.publish(release, at=T0)
    plm.publish(eco, at=T0 + dt.timedelta(days=1))
    cursors = CursorFile(tmp_path, plm.name)
    first = Poller(plm, store, cursors).poll_once()
    assert [r.event.change_number for r in first.received] == ["REL-0007", "ECO-0012"]
    # Each sample names two plants (US01, DE01): one job per plant.
    assert [len(r.jobs) for r in first.received] == [2, 2]
    assert cursors.load() is not None
    assert Poller(plm, store, cursors).poll_once().received == ()
    assert statuses(store, "REL-0007") == ["accepted"]


def test_a_crash_before_the_cursor_is_saved_repeats_the_poll_as_duplicates(
    store: SqlStore, tmp_path: Path
) -> None:
    plm = InMemoryPlm()
    plm.publish(release_package(), at=T0)
    crashing = CrashesBeforeSaving(tmp_path, plm.name)
    with pytest.raises(KeyboardInterrupt):
        Poller(plm, store, crashing).poll_once()
    assert crashing.load() is None  # nothing saved: the next poll starts over
    again = Poller(plm, store, crashing).poll_once()
    assert [str(r.event.status) for r in again.received] == ["duplicate"]
    assert again.received[0].jobs == ()
    assert statuses(store, "REL-0007") == ["accepted", "duplicate"]
    assert len(store.jobs(change_number="REL-0007")) == 2  # one per plant, not four


class UnmappableEco(InMemoryPlm):
    def fetch(self, event: PlmEvent) -> ChangePackage:
        if event.change_number == "ECO-0012":
            raise PlmMappingFailed("no part number", problems=["items.3.number: missing"])
        return super().fetch(event)


def test_a_change_that_will_not_map_is_kept_as_rejected_and_the_poll_moves_on(
    store: SqlStore, tmp_path: Path
) -> None:
    plm = UnmappableEco()
    plm.publish(eco_package(), at=T0)
    plm.publish(release_package(), at=T0 + dt.timedelta(hours=1))
    cursors = CursorFile(tmp_path, plm.name)
    polled = Poller(plm, store, cursors).poll_once()
    assert [str(r.event.status) for r in polled.received] == ["rejected", "accepted"]
    rejected = polled.received[0].event
    assert (rejected.change_number, rejected.error_code) == ("ECO-0012", "PLMSYNC-PLM-MAPPING")
    assert "items.3.number: missing" in rejected.error_detail
    (letter,) = store.dead_letters()
    assert letter.event == rejected.id
    assert polled.summary() == "1 accepted, 0 duplicate, 1 rejected"
    assert Poller(plm, store, cursors).poll_once().received == ()


def test_an_unavailable_plm_leaves_the_cursor_where_it_was(store: SqlStore, tmp_path: Path) -> None:
    plm = InMemoryPlm()
    plm.publish(release_package(), at=T0)
    cursors = CursorFile(tmp_path, plm.name)
    Poller(plm, store, cursors).poll_once()
    saved = cursors.load()
    plm.publish(eco_package(), at=T0 + dt.timedelta(days=1))
    plm.unavailable = True
    with pytest.raises(PlmUnavailable):
        Poller(plm, store, cursors).poll_once()
    assert cursors.load() == saved
    plm.unavailable = False
    assert [r.event.change_number for r in Poller(plm, store, cursors).poll_once().received] == [
        "ECO-0012"
    ]


class CountingStop(threading.Event):
    """Records each wait and stops the loop after `turns` of them."""

    def __init__(self, turns: int):
        super().__init__()
        self.turns = turns
        self.waits: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(timeout or 0.0)
        if len(self.waits) >= self.turns:
            self.set()
        return self.is_set()


class ThrottledOnce(InMemoryPlm):
    throttled = False

    def poll(self, cursor: str | None) -> Polled:
        if not self.throttled:
            self.throttled = True
            raise PlmRateLimited("slow down", retry_after=42.0)
        return super().poll(cursor)


def test_the_loop_waits_as_long_as_a_rate_limit_says_then_polls_again(
    store: SqlStore, tmp_path: Path
) -> None:
    plm = ThrottledOnce()
    plm.publish(release_package(), at=T0)
    reports: list[str] = []
    stop = CountingStop(turns=2)
    poll_until_stopped(Poller(plm, store, CursorFile(tmp_path, "p")), 5.0, stop, reports.append)
    assert stop.waits == [42.0, 5.0]
    assert reports[0].startswith("PLMSYNC-PLM-RATE-LIMITED")
    assert reports[1] == "memory-plm: 1 accepted, 0 duplicate, 0 rejected"
    assert statuses(store, "REL-0007") == [EventStatus.ACCEPTED.value]


def test_refused_credentials_end_the_loop(store: SqlStore, tmp_path: Path) -> None:
    plm = InMemoryPlm(rejected_credentials=True)
    stop = CountingStop(turns=5)
    with pytest.raises(PlmAuthError):
        poll_until_stopped(Poller(plm, store, CursorFile(tmp_path, "p")), 5.0, stop, print)
    assert stop.waits == []


def test_a_cursor_file_keeps_the_last_saved_cursor_per_source(tmp_path: Path) -> None:
    onshape, other = CursorFile(tmp_path, "onshape/eu"), CursorFile(tmp_path, "other")
    assert onshape.load() is None
    onshape.save("abc")
    onshape.save("def")
    other.save("xyz")
    assert (onshape.load(), other.load()) == ("def", "xyz")
    # A source name never leaves the cursor folder; no partial file is left behind.
    assert sorted(p.name for p in (tmp_path / "plm-cursors").iterdir()) == [
        "onshape_eu.cursor",
        "other.cursor",
    ]
