"""Issue #6 acceptance, broker ingress, on a real RabbitMQ: a message redelivered after the
consumer crashed leads to one sync; a poison message ends in the dead-letter exchange's queue
and in plmsync's dead letters."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

import pytest

from plmsync.bootstrap import build_engine
from plmsync.config import BrokerConfig, load_config
from plmsync.connectors.broker.consumer import Consumed, IngressConsumer, Verdict
from plmsync.domain.package import ChangePackage
from plmsync.engine.crashpoint import FILE_VARIABLE, POINT_VARIABLE
from plmsync.engine.model import EventStatus
from plmsync.engine.service import Engine
from plmsync.ports.store import Received
from tests.broker.rabbit import drain, publish, write_workspace

pytestmark = pytest.mark.rabbitmq

PLMSYNC = str(Path(sys.executable).with_name("plmsync"))
RELEASE = resources.files("plmsync.samples").joinpath("gp40_release.json").read_bytes()


def consume_in_process(engine: Engine, broker: BrokerConfig) -> list[Consumed]:
    consumed: list[Consumed] = []
    consumer = IngressConsumer(broker, engine.submit, engine.store.event, listener=consumed.append)
    consumer.run(exit_when_idle=True, poll_seconds=0.5)
    return consumed


def kill_consumer_after_submit(config: Path, tmp_path: Path) -> None:
    """Run `plmsync consume` until it has stored the message but not yet acknowledged it,
    then SIGKILL it: the broker still holds the message as unacknowledged."""
    paused, log = tmp_path / "paused", tmp_path / "consume.log"
    env = {**os.environ, POINT_VARIABLE: "consume.after_submit", FILE_VARIABLE: str(paused)}
    with log.open("wb") as output:  # the child keeps its own descriptor
        process = subprocess.Popen(
            [PLMSYNC, "consume", "--config", str(config)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=output,
        )
    try:
        deadline = time.monotonic() + 30
        while not paused.exists():
            assert process.poll() is None, log.read_text(encoding="utf-8")
            assert time.monotonic() < deadline, "the consumer never reached the crash point"
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()


def test_a_message_redelivered_after_a_consumer_crash_leads_to_one_sync(
    broker_config: BrokerConfig, tmp_path: Path
) -> None:
    config = write_workspace(tmp_path, broker_config)
    package = ChangePackage.model_validate_json(RELEASE)
    plants = [p.plant for p in package.change.plants]  # one sync job per plant it names
    publish(broker_config, RELEASE)

    kill_consumer_after_submit(config, tmp_path)
    engine = build_engine(load_config(config))
    try:
        assert [e.status for e in engine.store.events_for(package.change.number)] == [
            EventStatus.ACCEPTED
        ]
        redelivered = consume_in_process(engine, broker_config)
        jobs = engine.store.jobs(change_number=package.change.number)
        events = engine.store.events_for(package.change.number)
    finally:
        engine.close()

    assert [(c.redelivered, c.received.duplicate, c.verdict) for c in redelivered] == [
        (True, True, Verdict.ACK)
    ]
    assert sorted(job.plant for job in jobs) == sorted(plants)
    assert [e.status for e in events] == [EventStatus.ACCEPTED, EventStatus.DUPLICATE]
    assert drain(broker_config, broker_config.queue) == []  # acknowledged: nothing left
    assert drain(broker_config, broker_config.dead_letter_queue) == []


@pytest.mark.parametrize(
    "poison",
    [b"{not json", b'{"schema_version": "1", "source": {"system": "plm", "event_id": "p-1"}}'],
    ids=["unreadable", "not-a-package"],
)
def test_a_poison_message_ends_in_the_dlq_and_in_plmsyncs_dead_letters(
    broker_config: BrokerConfig, tmp_path: Path, poison: bytes
) -> None:
    engine = build_engine(load_config(write_workspace(tmp_path, broker_config)))
    try:
        publish(broker_config, poison, RELEASE)
        consumed = consume_in_process(engine, broker_config)
        letters = engine.dead_letters()
        payloads = [engine.payload_of(letter) for letter in letters]
        jobs = engine.store.jobs()
    finally:
        engine.close()

    assert [c.verdict for c in consumed] == [Verdict.DEAD_LETTER, Verdict.ACK]
    assert payloads == [poison]
    assert [letter.error_code for letter in letters] == ["PLMSYNC-PACKAGE-INVALID"]
    assert {job.change_number for job in jobs} == {"REL-0007"}  # only the good message
    dead = drain(broker_config, broker_config.dead_letter_queue)
    assert [body for _, body in dead] == [poison]
    (death,) = dead[0][0].headers["x-death"]
    assert (death["reason"], death["queue"]) == ("rejected", broker_config.queue)
    assert drain(broker_config, broker_config.queue) == []


def test_a_redelivered_poison_message_is_dead_lettered_again_not_acknowledged(
    broker_config: BrokerConfig, tmp_path: Path
) -> None:
    """Crash after storing the rejection, before the nack: the redelivery is a duplicate of a
    rejected event, and it must still reach the dead-letter queue (not vanish in an ack)."""
    config = write_workspace(tmp_path, broker_config)
    poison = b"{still not json"
    publish(broker_config, poison)
    kill_consumer_after_submit(config, tmp_path)
    engine = build_engine(load_config(config))
    try:
        consumed = consume_in_process(engine, broker_config)
        letters = engine.dead_letters()
    finally:
        engine.close()

    assert [(c.redelivered, c.received.duplicate, c.verdict) for c in consumed] == [
        (True, True, Verdict.DEAD_LETTER)
    ]
    assert len(letters) == 1  # the redelivery opened no second dead letter
    assert [body for _, body in drain(broker_config, broker_config.dead_letter_queue)] == [poison]


class StoreDown(Exception):
    pass


def failing_submit(raw: bytes) -> Received:
    raise StoreDown("the state database is not reachable")


def test_a_message_the_store_cannot_take_goes_back_to_the_queue_and_the_consumer_stops(
    broker_config: BrokerConfig,
) -> None:
    publish(broker_config, RELEASE)
    consumer = IngressConsumer(broker_config, failing_submit, lambda _: pytest.fail("unread"))
    with pytest.raises(StoreDown):
        consumer.run(exit_when_idle=True, poll_seconds=0.5)
    assert [body for _, body in drain(broker_config, broker_config.queue)] == [RELEASE]


def test_a_message_that_keeps_failing_ends_in_the_dlq_at_the_delivery_limit(
    broker_config: BrokerConfig,
) -> None:
    """The broker's own guard: each crash requeues it, and past `delivery_limit` deliveries
    RabbitMQ dead-letters it instead of delivering it forever."""
    publish(broker_config, RELEASE)
    consumer = IngressConsumer(broker_config, failing_submit, lambda _: pytest.fail("unread"))
    crashes = 0
    while crashes < 2 * broker_config.delivery_limit:  # a bound, should the limit not hold
        try:
            consumer.run(exit_when_idle=True, poll_seconds=0.5)
            break  # nothing was delivered any more
        except StoreDown:
            crashes += 1
    # Each crash returns the message once; RabbitMQ delivers it until its returns exceed
    # the limit: the first delivery plus `delivery_limit` redeliveries.
    assert crashes == broker_config.delivery_limit + 1
    assert drain(broker_config, broker_config.queue) == []
    dead = drain(broker_config, broker_config.dead_letter_queue)
    assert [body for _, body in dead] == [RELEASE]
    assert dead[0][0].headers["x-death"][0]["reason"] == "delivery_limit"
