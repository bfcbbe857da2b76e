"""The PLM source contract: one pytest suite that every `PlmSource` passes, fakes included,
so a fake cannot drift from the real adapters (like `plmsync.testing.erp_contract`).

Adopt it by subclassing in a test module (the class name must start with `Test`) and saying
how to make a fresh, empty PLM with its source, and how to release a change in that PLM:

    class TestMyPlmContract(PlmSourceContract):
        def make_plm(self) -> PlmUnderTest:
            server = MyFakeServer()
            return PlmUnderTest(
                source=MyPlmSource(transport=server.transport, page_size=2),
                publish=server.release,         # (package, at) -> None
                notify=server.webhook_body,     # change number -> bytes; None: no webhooks
            )

A small page size lets the suite cross page boundaries with a handful of changes. Override
`make_unusable_source()` too, returning a source whose `check()` must fail (bad credentials,
unreachable); without it that test is skipped.

Every test goes through the port only. The suite asserts that:
- `check()` passes, the source is a `PlmSource` and can learn of changes somehow;
- an empty PLM polls to nothing, and so does the cursor it returns;
- a released change is found once, and `fetch` returns its items and BOM lines (the graph
  every PLM has: item numbers and revisions, find numbers, components, quantities) with the
  event's id, so the inbox deduplicates redeliveries;
- changes come oldest first; from a returned cursor only later changes come; polling the same
  cursor again finds the same events with the same ids (nothing is consumed by a poll);
- many changes released at one instant, spread over several pages, each come exactly once;
- a notification is read as the same event a poll finds (its change number may be left to
  `fetch`), and fetches the same graph; garbage is `PlmEventInvalid`;
- an unknown change is `PlmChangeUnknown`, a foreign cursor `PlmCursorInvalid`;
- write-back is idempotent where supported and a `ConfigError` where not.

Needs pytest, which is a test dependency of plmsync, not a runtime one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest

from plmsync.domain.errors import AuthError, ConfigError, TransientError
from plmsync.domain.package import ChangePackage
from plmsync.ports.plm import PlmEvent, PlmSource, SyncOutcome
from plmsync.ports.plm_errors import (
    PlmChangeUnknown,
    PlmCursorInvalid,
    PlmEventInvalid,
)
from plmsync.testing.fake_plm import InMemoryPlm
from plmsync.testing.packages import eco_package, release_package, renumber

__all__ = ["Graph", "PlmSourceContract", "PlmUnderTest", "drain", "graph_of", "in_memory"]

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
T1 = T0 + dt.timedelta(hours=2)
MAX_POLLS = 50  # more than any test needs: a cursor that never moves on must fail, not hang


@dataclass(frozen=True)
class PlmUnderTest:
    source: PlmSource
    publish: Callable[[ChangePackage, dt.datetime], object]
    notify: Callable[[str], bytes] | None = None


@dataclass(frozen=True)
class Graph:
    """What every PLM can say about a change: its number, item revisions and BOM lines."""

    change: str
    items: frozenset[tuple[str, str]]
    boms: dict[str, frozenset[tuple[int, str, Decimal]]]


def in_memory(plm: InMemoryPlm) -> PlmUnderTest:
    """The in-memory PLM with its hooks: publish, and notifications by change number."""
    events: dict[str, PlmEvent] = {}

    def publish(package: ChangePackage, at: dt.datetime) -> None:
        event = plm.publish(package, at=at)
        events[event.change_number] = event

    return PlmUnderTest(plm, publish, lambda number: plm.notification(events[number]))


def graph_of(package: ChangePackage) -> Graph:
    return Graph(
        package.change.number,
        frozenset((i.number, i.revision) for i in package.items),
        {
            b.item: frozenset((ln.find_number, ln.component, ln.quantity) for ln in b.lines)
            for b in package.boms
        },
    )


def drain(source: PlmSource, cursor: str | None) -> tuple[list[PlmEvent], str | None]:
    """Poll until a poll finds nothing: every event after `cursor`, and the last cursor."""
    found: list[PlmEvent] = []
    for _ in range(MAX_POLLS):
        polled = source.poll(cursor)
        cursor = polled.cursor
        if not polled.events:
            return found, cursor
        found += polled.events
    raise AssertionError(f"still finding events after {MAX_POLLS} polls: {found[-3:]}")


def _numbers(events: list[PlmEvent]) -> list[str]:
    return [e.change_number for e in events]


def _copies(count: int) -> list[ChangePackage]:
    return [renumber(release_package(), f"ECO-C{n:03d}") for n in range(1, count + 1)]


class PlmSourceContract:
    """Subclass as `Test…` and provide `make_plm()` (see the module doc)."""

    def make_plm(self) -> PlmUnderTest:
        raise NotImplementedError(f"{type(self).__name__} must override make_plm()")

    def make_unusable_source(self) -> PlmSource | None:
        """A source whose `check()` must fail (bad credentials, unreachable); None to skip."""
        return None

    @pytest.fixture
    def plm(self) -> Iterator[PlmUnderTest]:
        under_test = self.make_plm()
        yield under_test
        under_test.source.close()

    @staticmethod
    def _polling(plm: PlmUnderTest) -> PlmSource:
        if not plm.source.capabilities().poll:
            pytest.skip("the source cannot poll")
        return plm.source

    # --- health -----------------------------------------------------------------------------

    def test_check_passes_and_the_source_can_learn_of_changes(self, plm: PlmUnderTest) -> None:
        plm.source.check()
        assert isinstance(plm.source, PlmSource)
        assert plm.source.name.strip()
        capabilities = plm.source.capabilities()
        assert capabilities.fetch_graph
        assert capabilities.poll or capabilities.webhook

    def test_check_fails_cleanly_when_the_source_cannot_be_used(self) -> None:
        unusable = self.make_unusable_source()
        if unusable is None:
            pytest.skip("no make_unusable_source(): this source has no way to be made unusable")
        try:
            with pytest.raises((AuthError, ConfigError, TransientError)):
                unusable.check()
        finally:
            unusable.close()

    # --- polling ----------------------------------------------------------------------------

    def test_an_empty_plm_polls_to_nothing(self, plm: PlmUnderTest) -> None:
        source = self._polling(plm)
        polled = source.poll(None)
        assert polled.events == ()
        assert isinstance(polled.cursor, str) and polled.cursor
        assert source.poll(polled.cursor).events == ()

    def test_a_released_change_is_found_once_and_fetched_whole(self, plm: PlmUnderTest) -> None:
        source = self._polling(plm)
        release = release_package()
        plm.publish(release, T0)
        (event,), _ = drain(source, None)
        assert event.change_number == release.change.number
        assert event.occurred_at.utcoffset() is not None
        fetched = source.fetch(event)
        assert fetched.source.event_id == event.event_id
        assert graph_of(fetched) == graph_of(release)

    def test_changes_come_oldest_first(self, plm: PlmUnderTest) -> None:
        source = self._polling(plm)
        release, eco = release_package(), eco_package()
        plm.publish(eco, T1)  # released later, published to the PLM first
        plm.publish(release, T0)
        events, _ = drain(source, None)
        assert _numbers(events) == [release.change.number, eco.change.number]
        assert events[0].occurred_at <= events[1].occurred_at
        assert graph_of(source.fetch(events[1])) == graph_of(eco)

    def test_from_a_returned_cursor_only_later_changes_come(self, plm: PlmUnderTest) -> None:
        source = self._polling(plm)
        release, eco = release_package(), eco_package()
        plm.publish(release, T0)
        first, cursor = drain(source, None)
        plm.publish(eco, T1)
        later, cursor = drain(source, cursor)
        assert _numbers(first) == [release.change.number]
        assert _numbers(later) == [eco.change.number]
        assert drain(source, cursor)[0] == []

    def test_polling_the_same_cursor_again_finds_the_same_events(self, plm: PlmUnderTest) -> None:
        source = self._polling(plm)
        plm.publish(release_package(), T0)
        plm.publish(eco_package(), T1)
        start = source.poll(None).cursor  # a cursor before anything new… or past the first page
        once, twice = source.poll(start), source.poll(start)
        assert once.events == twice.events
        assert drain(source, None)[0] == drain(source, None)[0]

    def test_changes_released_at_one_instant_each_come_once_across_pages(
        self, plm: PlmUnderTest
    ) -> None:
        source = self._polling(plm)
        copies = _copies(7)  # more than two pages of the small page size adopters use
        for package in copies[:3]:
            plm.publish(package, T0)
        for package in copies[3:]:
            plm.publish(package, T1)
        events, cursor = drain(source, None)
        assert sorted(_numbers(events)) == sorted(p.change.number for p in copies)
        assert len({e.event_id for e in events}) == len(copies)
        extra = renumber(release_package(), "ECO-C999")
        plm.publish(extra, T1)  # released at the very instant the cursor stands on
        assert _numbers(drain(source, cursor)[0]) == ["ECO-C999"]

    def test_a_foreign_cursor_is_refused(self, plm: PlmUnderTest) -> None:
        source = self._polling(plm)
        for foreign in ("not a cursor", "bm90IGpzb24", "W10="):  # not base64; "not json"; "[]"
            with pytest.raises(PlmCursorInvalid):
                source.poll(foreign)

    # --- notifications and fetching ---------------------------------------------------------

    def test_a_notification_reads_as_the_event_a_poll_finds(self, plm: PlmUnderTest) -> None:
        if plm.notify is None or not plm.source.capabilities().webhook:
            pytest.skip("the source takes no notifications")
        source = self._polling(plm)
        release = release_package()
        plm.publish(release, T0)
        (polled,), _ = drain(source, None)
        parsed = source.parse_event(plm.notify(release.change.number))
        assert parsed.event_id == polled.event_id
        assert parsed.change_number in ("", polled.change_number)  # "": learnt by fetching
        assert parsed.occurred_at.utcoffset() is not None
        fetched = source.fetch(parsed)
        assert fetched.source.event_id == polled.event_id
        assert graph_of(fetched) == graph_of(release)

    @pytest.mark.parametrize(
        "raw",
        [b"", b"not json", b"[]", b"null", b'{"unrelated": 1}', b"\xff\xfe\x00"],
        ids=["empty", "text", "list", "null", "unrelated", "binary"],
    )
    def test_garbage_is_not_an_event(self, plm: PlmUnderTest, raw: bytes) -> None:
        with pytest.raises(PlmEventInvalid) as refused:
            plm.source.parse_event(raw)
        assert refused.value.code == PlmEventInvalid.code

    def test_an_unknown_change_cannot_be_fetched(self, plm: PlmUnderTest) -> None:
        plm.publish(release_package(), T0)
        ghost = PlmEvent("ECO-NOWHERE", "no-such-event", T0)
        with pytest.raises(PlmChangeUnknown):
            plm.source.fetch(ghost)

    # --- write-back -------------------------------------------------------------------------

    def test_write_back_is_idempotent_or_refused(self, plm: PlmUnderTest) -> None:
        release = release_package()
        plm.publish(release, T0)
        number = release.change.number
        if not plm.source.capabilities().write_back:
            with pytest.raises(ConfigError):
                plm.source.write_back(number, "US01", SyncOutcome.SYNCED)
            return
        for _ in range(2):  # a redelivered outcome must not fail
            plm.source.write_back(number, "US01", SyncOutcome.SYNCED)
        plm.source.write_back(number, "DE01", SyncOutcome.FAILED)
