"""Whatever the page size, the poll boundaries and the ties in release times, polling from
each returned cursor finds every released change exactly once (hypothesis), on the in-memory
PLM and on the REST source against the Onshape stand-in.

Releases are generated in time order (a feed lists records by time; one listed later with an
earlier time is outside what a since-cursor can promise), with many sharing a timestamp.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plmsync.domain.package import ChangePackage
from plmsync.ports.plm import PlmSource
from plmsync.testing.fake_plm import InMemoryPlm
from plmsync.testing.packages import release_package, renumber
from plmsync.testing.plm_contract import T0, drain
from tests.connectors.plm.onshape_server import OnshapeServer
from tests.connectors.plm.test_rest_contract import onshape_source

Publish = Callable[[ChangePackage, dt.datetime], object]

# Rounds of (minutes after the previous release time for each new release), then a poll.
rounds = st.lists(
    st.lists(st.integers(min_value=0, max_value=2), max_size=4), min_size=1, max_size=5
)


def in_memory(page_size: int, max_pages: int) -> tuple[PlmSource, Publish]:
    del max_pages  # the fake has no pages within a poll: page_size is its limit per poll
    plm = InMemoryPlm(page_size=page_size)
    return plm, lambda package, at: plm.publish(package, at=at)


def onshape(page_size: int, max_pages: int) -> tuple[PlmSource, Publish]:
    """Eight revisions per release: small pages and page limits split releases across polls."""
    server = OnshapeServer()
    return onshape_source(server, page_size=page_size, max_pages=max_pages), server.release


def check_exactly_once(
    make: Callable[[int, int], tuple[PlmSource, Publish]],
    page_size: int,
    max_pages: int,
    plan: list[list[int]],
) -> None:
    source, publish = make(page_size, max_pages)
    at, cursor = T0, None
    released: list[str] = []
    found: list[str] = []
    for gaps in plan:
        for gap in gaps:
            at += dt.timedelta(minutes=gap)
            number = f"ECO-{len(released) + 1:03d}"
            publish(renumber(release_package(), number), at)
            released.append(number)
        polled = source.poll(cursor)  # one poll per round: it may stop mid-way (page limits)
        found += [e.change_number for e in polled.events]
        cursor = polled.cursor
    rest, _ = drain(source, cursor)  # then poll until a poll finds nothing: caught up
    found += [e.change_number for e in rest]
    assert sorted(found) == sorted(released)


@settings(max_examples=60, deadline=None)
@given(page_size=st.integers(min_value=1, max_value=4), plan=rounds)
def test_the_in_memory_plm_finds_each_change_once(page_size: int, plan: list[list[int]]) -> None:
    check_exactly_once(in_memory, page_size, 1, plan)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    page_size=st.integers(min_value=1, max_value=9),
    max_pages=st.integers(min_value=1, max_value=3),
    plan=rounds,
)
def test_the_rest_source_finds_each_change_once(
    page_size: int, max_pages: int, plan: list[list[int]]
) -> None:
    check_exactly_once(onshape, page_size, max_pages, plan)
