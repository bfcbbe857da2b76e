"""The PLM contract suite can fail: each deliberately broken source below breaks one promise,
and the contract test that guards that promise is run on it and must raise.

The tests are called directly (not collected as a suite) so that each shows exactly which
contract test catches which fault.
"""

from __future__ import annotations

import json

import pytest

from plmsync.connectors.plm.cursor import SinceCursor
from plmsync.domain.package import ChangePackage
from plmsync.ports.plm import PlmEvent, Polled
from plmsync.testing.fake_plm import InMemoryPlm
from plmsync.testing.plm_contract import PlmSourceContract, PlmUnderTest, in_memory


class RepeatsTheBoundary(InMemoryPlm):
    """Resumes *at* the last timestamp without remembering what it saw there."""

    def poll(self, cursor: str | None) -> Polled:
        polled = super().poll(cursor)
        position = SinceCursor.decode(polled.cursor)
        return Polled(polled.events, SinceCursor(position.after).encode())


class SkipsTheBoundary(InMemoryPlm):
    """Resumes strictly *after* the last timestamp: loses changes sharing it on a later page."""

    def poll(self, cursor: str | None) -> Polled:
        polled = super().poll(cursor)
        position = SinceCursor.decode(polled.cursor)
        everything = frozenset(r.event.event_id for r in self._releases)
        return Polled(polled.events, SinceCursor(position.after, everything).encode())


class ForgetsTheEventId(InMemoryPlm):
    def fetch(self, event: PlmEvent) -> ChangePackage:
        package = super().fetch(event)
        source = package.source.model_copy(update={"event_id": "fetched"})
        return package.model_copy(update={"source": source})


class DropsABomLine(InMemoryPlm):
    def fetch(self, event: PlmEvent) -> ChangePackage:
        package = super().fetch(event)
        first, *rest = package.boms
        trimmed = first.model_copy(update={"lines": first.lines[1:]})
        return package.model_copy(update={"boms": (trimmed, *rest)})


class LeaksParserErrors(InMemoryPlm):
    """Lets the JSON parser's own error out instead of `PlmEventInvalid`."""

    def parse_event(self, raw: bytes) -> PlmEvent:
        json.loads(raw)
        return super().parse_event(raw)


class NewestFirst(InMemoryPlm):
    def poll(self, cursor: str | None) -> Polled:
        polled = super().poll(cursor)
        return Polled(tuple(reversed(polled.events)), polled.cursor)


class Suite(PlmSourceContract):
    """The contract, driven by hand on one broken source."""

    def __init__(self, plm: InMemoryPlm):
        self.broken = plm

    def make_plm(self) -> PlmUnderTest:
        return in_memory(self.broken)


GARBAGE = {"raw": b"not json"}
CASES = [
    (RepeatsTheBoundary, "test_changes_released_at_one_instant_each_come_once_across_pages"),
    (SkipsTheBoundary, "test_changes_released_at_one_instant_each_come_once_across_pages"),
    (ForgetsTheEventId, "test_a_released_change_is_found_once_and_fetched_whole"),
    (DropsABomLine, "test_a_released_change_is_found_once_and_fetched_whole"),
    (NewestFirst, "test_changes_come_oldest_first"),
]


@pytest.mark.parametrize(("broken", "contract_test"), CASES, ids=[c[0].__name__ for c in CASES])
def test_the_contract_catches_a_broken_source(
    broken: type[InMemoryPlm], contract_test: str
) -> None:
    suite = Suite(broken(page_size=2))
    with pytest.raises(AssertionError):
        getattr(suite, contract_test)(suite.make_plm())


def test_the_contract_catches_a_parser_that_leaks_its_own_errors() -> None:
    suite = Suite(LeaksParserErrors(page_size=2))
    with pytest.raises(json.JSONDecodeError):
        suite.test_garbage_is_not_an_event(suite.make_plm(), **GARBAGE)


@pytest.mark.parametrize("contract_test", sorted({test for _, test in CASES}))
def test_the_same_contract_tests_pass_on_the_sound_fake(contract_test: str) -> None:
    suite = Suite(InMemoryPlm(page_size=2))
    getattr(suite, contract_test)(suite.make_plm())
    suite.test_garbage_is_not_an_event(suite.make_plm(), **GARBAGE)
