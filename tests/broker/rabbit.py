"""The RabbitMQ server the broker tests use (default guest@127.0.0.1:5672, or
`PLMSYNC_TEST_RABBITMQ=host:port`). Unreachable, the tests skip, unless
`PLMSYNC_REQUIRE_SERVICES=1` (CI), where they fail. Every test gets its own queue and exchange
names, so parallel runs never share a queue."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pika
import pytest
import yaml
from pika.exceptions import AMQPConnectionError

from plmsync.config import BrokerConfig

HOST, _, PORT = os.environ.get("PLMSYNC_TEST_RABBITMQ", "127.0.0.1:5672").partition(":")


def services_required() -> bool:
    return os.environ.get("PLMSYNC_REQUIRE_SERVICES", "") == "1"


@pytest.fixture(scope="session")
def rabbitmq() -> BrokerConfig:
    """Broker settings that reach the test server (names not yet unique: see broker_config)."""
    config = BrokerConfig(host=HOST, port=int(PORT or 5672))
    try:
        pika.BlockingConnection(_parameters(config)).close()
    except AMQPConnectionError as error:
        if services_required():
            pytest.fail(f"RabbitMQ is required (PLMSYNC_REQUIRE_SERVICES=1): {error!r}")
        pytest.skip(f"RabbitMQ not reachable at {HOST}:{PORT}: {error!r}")
    return config


@pytest.fixture
def broker_config(rabbitmq: BrokerConfig) -> Iterator[BrokerConfig]:
    """This test's own queue, dead-letter exchange and queue, and events exchange."""
    prefix = f"plmsync.test.{uuid.uuid4().hex[:12]}"
    config = rabbitmq.model_copy(
        update={
            "queue": f"{prefix}.changes",
            "dead_letter_exchange": f"{prefix}.dlx",
            "dead_letter_queue": f"{prefix}.dead",
            "events_exchange": f"{prefix}.events",
            "delivery_limit": 3,
        }
    )
    yield config
    with channel_to(config) as channel:
        for queue in (config.queue, config.dead_letter_queue):
            channel.queue_delete(queue)
        for exchange in (config.dead_letter_exchange, config.events_exchange):
            channel.exchange_delete(exchange)


def _parameters(config: BrokerConfig) -> pika.ConnectionParameters:
    credentials = pika.PlainCredentials("guest", "guest")
    return pika.ConnectionParameters(config.host, config.port, credentials=credentials)


@contextmanager
def channel_to(config: BrokerConfig) -> Iterator[Any]:
    connection = pika.BlockingConnection(_parameters(config))
    try:
        yield connection.channel()
    finally:
        connection.close()


def publish(config: BrokerConfig, *bodies: bytes) -> None:
    """As a PLM would: persistent messages on the queue, each confirmed by the broker."""
    from plmsync.connectors.broker.topology import declare_ingress

    with channel_to(config) as channel:
        declare_ingress(channel, config)
        channel.confirm_delivery()
        for body in bodies:
            channel.basic_publish("", config.queue, body, pika.BasicProperties(delivery_mode=2))


def drain(config: BrokerConfig, queue: str) -> list[tuple[Any, bytes]]:
    """Every message now in `queue` (properties, body), acknowledged."""
    found = []
    with channel_to(config) as channel:
        while True:
            method, properties, body = channel.basic_get(queue, auto_ack=True)
            if method is None:
                return found
            found.append((properties, bytes(body)))


def write_workspace(directory: Path, broker: BrokerConfig, **sections: Any) -> Path:
    """A workspace with in-memory ERPs for US01 (NA) and DE01 (EU), and this broker."""
    document = {
        "version": 1,
        "plants": {
            "US01": {"target": "mem", "region": "NA"},
            "DE01": {"target": "mem", "region": "EU"},
        },
        "targets": {"mem": {"kind": "memory"}},
        "broker": broker.model_dump(mode="json"),
        **sections,
    }
    path = directory / "plmsync.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path
