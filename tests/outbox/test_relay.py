"""The relay on both dialects, with recording channels: every event reaches every channel
once it confirms; a failing channel retries with backoff, then dead-letters (webhooks)."""

from __future__ import annotations

import datetime as dt
import random

from plmsync.engine.clock import ManualClock
from plmsync.engine.model import JobState
from plmsync.engine.outbox import DeliveryStatus
from plmsync.engine.relay import Relay, RelayPass
from plmsync.engine.retry import RetryPolicy
from plmsync.persistence import SqlStore
from tests.outbox.channels import RecordingChannel
from tests.persistence.conftest import START
from tests.persistence.helpers import LEASE, receive

BACKOFF = RetryPolicy(base_delay=dt.timedelta(seconds=10), jitter=0)


def synced(store: SqlStore, *changes: str) -> list[int]:
    """One succeeded job per change: one change.synced event each."""
    for change in changes:
        [job] = receive(store, change, "US01").jobs
        store.claim("w1", START, LEASE)
        store.transition(job.id, JobState.SUCCEEDED, worker="w1")
    return [event.id for event in store.outbox_events()]


def relay(store: SqlStore, clock: ManualClock, *channels: RecordingChannel) -> Relay:
    return Relay(
        store, channels, source="urn:test", clock=clock, backoff=BACKOFF, rng=random.Random(1)
    )


def test_every_event_reaches_every_channel_once(store: SqlStore) -> None:
    events = synced(store, "ECO-1", "ECO-2", "ECO-3")
    broker, hook = RecordingChannel("broker"), RecordingChannel("webhook:mes", max_attempts=3)
    relayer = relay(store, ManualClock(START), broker, hook)

    assert relayer.relay_once() == RelayPass(delivered=2 * len(events))
    assert relayer.relay_once() == RelayPass()  # nothing left
    expected = [f"plmsync-outbox-{event}" for event in events]
    assert [e["id"] for e in broker.sent] == expected == [e["id"] for e in hook.sent]
    assert {d.status for d in store.outbox_deliveries()} == {DeliveryStatus.DELIVERED}


def test_a_cloud_event_carries_the_required_attributes(store: SqlStore) -> None:
    [event] = synced(store, "ECO-9")
    broker = RecordingChannel("broker")
    relay(store, ManualClock(START), broker).relay_once()
    (sent,) = broker.sent
    assert sent == {
        "specversion": "1.0",
        "id": f"plmsync-outbox-{event}",
        "source": "urn:test",
        "type": "change.synced",
        "subject": "changes/ECO-9/plants/US01",
        "time": "2026-03-02T08:00:00Z",  # START, when the job succeeded
        "datacontenttype": "application/json",
        "data": store.outbox_events()[0].data,
    }


def test_a_failing_channel_retries_with_backoff_then_delivers(store: SqlStore) -> None:
    events = synced(store, "ECO-1", "ECO-2")
    clock = ManualClock(START)
    flaky = RecordingChannel("broker", failures=2)
    relayer = relay(store, clock, flaky)

    # A failure ends the channel's pass: one attempt, not one per event.
    assert relayer.relay_once() == RelayPass(retrying=1)
    assert relayer.relay_once() == RelayPass()  # not due before the backoff (10 s)
    clock.advance(dt.timedelta(seconds=10))
    assert relayer.relay_once() == RelayPass(retrying=1)
    clock.advance(dt.timedelta(seconds=20))  # second backoff: 10 s x 2
    assert relayer.relay_once() == RelayPass(delivered=len(events))
    assert [e["id"] for e in flaky.sent] == [f"plmsync-outbox-{event}" for event in events]
    first = store.outbox_deliveries()[0]
    assert (first.status, first.attempts, first.last_error) == (
        DeliveryStatus.DELIVERED,
        2,
        "broker is down",
    )


def test_a_webhook_that_keeps_failing_dead_letters_the_event(store: SqlStore) -> None:
    [event] = synced(store, "ECO-1")
    clock = ManualClock(START)
    down = RecordingChannel("webhook:mes", max_attempts=3, failures=99)
    broker = RecordingChannel("broker")
    relayer = relay(store, clock, down, broker)
    passes = []
    for _ in range(5):
        passes.append(relayer.relay_once())
        clock.advance(dt.timedelta(hours=1))

    assert down.tries == 3  # max_attempts, then no more
    assert passes[2].dead == 1
    (dead,) = store.outbox_deliveries(status=DeliveryStatus.DEAD)
    assert (dead.event, dead.channel, dead.attempts) == (event, "webhook:mes", 3)
    assert len(broker.sent) == 1  # the other channel is not held back


def test_a_dead_delivery_sent_again_is_delivered(store: SqlStore) -> None:
    [event] = synced(store, "ECO-1")
    relay_clock = ManualClock(START)
    hook = RecordingChannel("webhook:mes", max_attempts=1, failures=1)
    relayer = relay(store, relay_clock, hook)
    assert relayer.relay_once() == RelayPass(dead=1)
    store.outbox_retry(event, "webhook:mes")
    assert relayer.relay_once() == RelayPass(delivered=1)
