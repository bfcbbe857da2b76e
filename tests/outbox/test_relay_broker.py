"""Issue #6 acceptance, outbound events on a real RabbitMQ: the relay publishes with
publisher confirms; SIGKILLed between reading an event and publishing it, or between the
broker's confirm and marking it published, a restarted relay publishes what is missing, and a
consumer that dedupes by CloudEvents id sees every event exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from plmsync.bootstrap import build_engine, build_relay
from plmsync.config import BrokerConfig, load_config
from plmsync.engine.clock import SystemClock
from plmsync.engine.crashpoint import FILE_VARIABLE, POINT_VARIABLE
from plmsync.engine.outbox import DeliveryStatus
from plmsync.persistence import SqlStore
from tests.broker.rabbit import channel_to, drain, write_workspace

pytestmark = pytest.mark.rabbitmq

PLMSYNC = str(Path(sys.executable).with_name("plmsync"))
RELEASE = resources.files("plmsync.samples").joinpath("gp40_release.json").read_bytes()
ECO = resources.files("plmsync.samples").joinpath("gp40_eco.json").read_bytes()


@pytest.fixture
def listener(broker_config: BrokerConfig) -> Iterator[str]:
    """A consumer's queue bound to every event type, declared before anything is published."""
    queue = f"{broker_config.events_exchange}.listener"
    with channel_to(broker_config) as channel:
        channel.exchange_declare(broker_config.events_exchange, exchange_type="topic", durable=True)
        channel.queue_declare(queue, durable=True, arguments={"x-queue-type": "quorum"})
        channel.queue_bind(queue, broker_config.events_exchange, routing_key="#")
    yield queue
    with channel_to(broker_config) as channel:
        channel.queue_delete(queue)


def synced_workspace(tmp_path: Path, broker: BrokerConfig) -> tuple[Path, list[str]]:
    """Two changes synced to both plants (in-memory ERPs): the outbox holds their events;
    returns the CloudEvents ids the relay must deliver."""
    config = write_workspace(tmp_path, broker)
    engine = build_engine(load_config(config))
    try:
        for raw in (RELEASE, ECO):
            engine.submit(raw)
        engine.run_until_idle()
    finally:
        engine.close()
    with SqlStore(tmp_path / "state.sqlite") as store:
        return config, [event.event_id for event in store.outbox_events()]


def kill_relay_at(point: str, config: Path, tmp_path: Path) -> None:
    paused, log = tmp_path / "paused", tmp_path / "relay.log"
    env = {**os.environ, POINT_VARIABLE: point, FILE_VARIABLE: str(paused)}
    with log.open("wb") as output:
        process = subprocess.Popen(
            [PLMSYNC, "relay", "--config", str(config), "--exit-when-idle"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=output,
        )
    try:
        deadline = time.monotonic() + 30
        while not paused.exists():
            assert process.poll() is None, log.read_text(encoding="utf-8")
            assert time.monotonic() < deadline, "the relay never reached the crash point"
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()


def bodies(broker: BrokerConfig, queue: str) -> list[dict[str, Any]]:
    return [json.loads(body) for _, body in drain(broker, queue)]


@pytest.mark.parametrize(
    ("point", "published_before_kill"),
    [("relay.before_send", 0), ("relay.before_mark", 1)],
    ids=["read-not-published", "published-not-marked"],
)
def test_a_relay_killed_between_commit_and_publish_loses_nothing(
    broker_config: BrokerConfig,
    listener: str,
    tmp_path: Path,
    point: str,
    published_before_kill: int,
) -> None:
    queue = listener
    config, expected = synced_workspace(tmp_path, broker_config)
    # 2 changes x 2 plants (US01, DE01 in both samples), each job succeeding: 4 change.synced.
    assert len(expected) == 4

    kill_relay_at(point, config, tmp_path)
    before = bodies(broker_config, queue)
    assert [e["id"] for e in before] == expected[:published_before_kill]

    restarted = subprocess.run(
        [PLMSYNC, "relay", "--config", str(config), "--exit-when-idle"],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert restarted.returncode == 0, restarted.stderr
    after = bodies(broker_config, queue)

    received = Counter(e["id"] for e in before + after)
    # At least once: the event confirmed but not marked before the kill comes again ...
    assert sum(received.values()) == len(expected) + published_before_kill
    # ... and after deduplication by CloudEvents id each event is seen exactly once.
    assert sorted(received) == sorted(expected)
    with SqlStore(tmp_path / "state.sqlite") as store:
        deliveries = store.outbox_deliveries(channel="broker")
    assert [(d.status, d.attempts) for d in deliveries] == [(DeliveryStatus.DELIVERED, 0)] * 4


def test_published_events_are_cloud_events_routed_by_type(
    broker_config: BrokerConfig, listener: str, tmp_path: Path
) -> None:
    queue = listener
    config, expected = synced_workspace(tmp_path, broker_config)
    workspace = load_config(config)
    clock = SystemClock()
    with SqlStore(tmp_path / "state.sqlite", clock=clock.now) as store:
        relay = build_relay(workspace, store, clock)
        try:
            done = relay.relay_once()
        finally:
            relay.close()
    assert done.delivered == len(expected)

    with channel_to(broker_config) as channel:
        messages = []
        while (got := channel.basic_get(queue, auto_ack=True))[0] is not None:
            messages.append(got)
    for method, properties, body in messages:
        event = json.loads(body)
        assert method.routing_key == event["type"] == "change.synced"
        assert properties.message_id == event["id"]
        assert properties.content_type == "application/cloudevents+json"
        assert properties.delivery_mode == 2
        assert event["specversion"] == "1.0" and event["source"] == "urn:plmsync"
    assert [json.loads(body)["id"] for _, _, body in messages] == expected
