"""Status write-back through the outbox, with the shipped in-memory PLM: a plant's synced or
dead job is told to the PLM once the relay passes, retried while the PLM is down, and a
source without the capability gets no channel."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import yaml

from plmsync.bootstrap import build_relay
from plmsync.config import load_config
from plmsync.engine.clock import ManualClock
from plmsync.engine.model import JobState
from plmsync.engine.outbox import DeliveryStatus
from plmsync.engine.relay import Relay, RelayPass
from plmsync.engine.retry import RetryPolicy
from plmsync.engine.write_back import WriteBackChannel
from plmsync.persistence import SqlStore
from plmsync.ports.plm import SyncOutcome
from plmsync.testing.fake_plm import InMemoryPlm
from tests.persistence.conftest import START
from tests.persistence.helpers import LEASE, receive


def outcomes(store: SqlStore) -> None:
    """ECO-1 succeeds at US01 and dies at DE01; a rejected payload names no plant."""
    us, de = receive(store, "ECO-1", "US01", "DE01").jobs
    for job, to in ((us, JobState.SUCCEEDED), (de, JobState.DEAD)):
        claimed = store.claim("w1", START, LEASE)
        assert claimed is not None and claimed.id == job.id
        store.transition(job.id, to, worker="w1")
    store.receive(
        b"{",
        event_id="bad",
        source_system="plm",
        change_number="",
        jobs=(),
        error_code="PLMSYNC-PACKAGE-INVALID",
    )


def relay(store: SqlStore, clock: ManualClock, plm: InMemoryPlm) -> Relay:
    channel = WriteBackChannel(plm, max_attempts=5)
    backoff = RetryPolicy(base_delay=dt.timedelta(seconds=1), jitter=0)
    return Relay(
        store, [channel], source="urn:t", clock=clock, backoff=backoff, rng=random.Random()
    )


def test_each_plants_outcome_is_written_back_to_the_plm(store: SqlStore) -> None:
    outcomes(store)
    plm = InMemoryPlm()
    done = relay(store, ManualClock(START), plm).relay_once()
    assert plm.written_back == {
        ("ECO-1", "US01"): SyncOutcome.SYNCED,
        ("ECO-1", "DE01"): SyncOutcome.FAILED,
    }
    # Three events (synced, failed, rejected at intake) all settled on the plm channel.
    assert done == RelayPass(delivered=3)


def test_a_plm_that_is_down_gets_the_outcome_when_it_is_back(store: SqlStore) -> None:
    outcomes(store)
    plm = InMemoryPlm(unavailable=True)
    clock = ManualClock(START)
    relayer = relay(store, clock, plm)
    assert relayer.relay_once() == RelayPass(retrying=1)
    assert plm.written_back == {}
    plm.unavailable = False
    clock.advance(dt.timedelta(seconds=1))
    assert relayer.relay_once() == RelayPass(delivered=3)
    assert len(plm.written_back) == 2
    assert {d.status for d in store.outbox_deliveries(channel="plm:memory-plm")} == {
        DeliveryStatus.DELIVERED
    }


def test_only_sources_that_can_take_outcomes_back_get_a_channel(tmp_path: Path) -> None:
    config = tmp_path / "plmsync.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "version": 1,
                "plants": {"US01": {"target": "m"}},
                "targets": {"m": {"kind": "memory"}},
            }
        ),
        encoding="utf-8",
    )
    able, unable = InMemoryPlm("able"), InMemoryPlm("unable", supports_write_back=False)
    with SqlStore(tmp_path / "state.sqlite") as store:
        built = build_relay(
            load_config(config), store, ManualClock(START), plm_sources=[able, unable]
        )
    assert [channel.name for channel in built.channels] == ["plm:able"]
