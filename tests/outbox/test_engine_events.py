"""The real engine (in-memory ERPs, manual clock) writes the outbox events of what it does:
synced, failed, staged then activated, held for review. Each event matches the state the
store shows for its job, and no event exists for a state that was never reached."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from plmsync.bootstrap import build_engine
from plmsync.engine.clock import ManualClock
from plmsync.engine.model import JobState
from plmsync.engine.outbox import EventType
from plmsync.engine.service import Engine
from plmsync.persistence import SqlStore
from plmsync.testing import governance as g
from plmsync.testing.packages import eco_package, release_package
from tests.service.conftest import START, erp, memory_workspace, raw
from tests.service.test_governance import config as governed_config
from tests.service.test_governance import for_plants


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def engine(tmp_path: Path, clock: ManualClock) -> Iterator[Engine]:
    built = build_engine(memory_workspace(tmp_path), clock=clock)
    yield built
    built.close()


def events(engine: Engine) -> list[tuple[EventType, str, int]]:
    store = engine.store
    assert isinstance(store, SqlStore)
    return [(e.type, e.data.get("plant", ""), e.data.get("job", 0)) for e in store.outbox_events()]


def test_a_release_synced_to_both_plants_is_two_change_synced(engine: Engine) -> None:
    us01, de01 = engine.submit(raw(release_package())).jobs
    engine.run_until_idle()
    assert events(engine) == [
        (EventType.CHANGE_SYNCED, "US01", us01.id),
        (EventType.CHANGE_SYNCED, "DE01", de01.id),
    ]


def test_a_plant_whose_erp_refuses_the_change_is_change_failed(engine: Engine) -> None:
    erp(engine, "US01").reject_keys = {"PMP-40"}  # the in-memory ERP refuses that BOM
    us01, de01 = engine.submit(raw(release_package())).jobs
    engine.run_until_idle()
    assert engine.store.job(us01.id).state is JobState.DEAD
    assert sorted(events(engine)) == sorted(
        [(EventType.CHANGE_FAILED, "US01", us01.id), (EventType.CHANGE_SYNCED, "DE01", de01.id)]
    )
    store = engine.store
    assert isinstance(store, SqlStore)
    (failed,) = [e for e in store.outbox_events() if e.type is EventType.CHANGE_FAILED]
    assert failed.data["error_code"] == "PLMSYNC-ERP-REJECTED"


def test_a_staged_plant_is_activated_when_its_date_comes(engine: Engine) -> None:
    engine.submit(raw(release_package()))
    engine.run_until_idle()
    before = len(events(engine))
    us01, de01 = engine.submit(raw(eco_package())).jobs  # effective US01 06-15, DE01 06-22
    engine.run_until_idle()
    assert len(events(engine)) == before  # staged: nothing is in use yet

    engine.activate(dt.date(2026, 6, 15))
    engine.run_until_idle()
    assert events(engine)[before:] == [
        (EventType.CHANGE_SYNCED, "US01", us01.id),
        (EventType.PLANT_ACTIVATED, "US01", us01.id),
    ]
    assert engine.store.job(de01.id).state is JobState.STAGED


def test_a_checkpoint_hold_is_review_opened_then_synced_on_approval(
    tmp_path: Path, clock: ManualClock
) -> None:
    engine = build_engine(governed_config(tmp_path), clock=clock)
    try:
        package = g.compliance_changing(g.governed_release(controlled=False))
        us01, de01 = engine.submit(for_plants(raw(package), "US01", "DE01")).jobs
        engine.run_until_idle()
        (task,) = engine.reviews.tasks()
        assert events(engine) == [
            (EventType.CHANGE_SYNCED, "US01", us01.id),
            (EventType.REVIEW_OPENED, "DE01", de01.id),
        ]
        engine.reviews.approve(task.id, by="clara")
        engine.run_until_idle()
        assert events(engine)[-1] == (EventType.CHANGE_SYNCED, "DE01", de01.id)
        store = engine.store
        assert isinstance(store, SqlStore)
        assert store.outbox_events()[1].data["review"] == task.id
    finally:
        engine.close()
