"""Broker settings: the password comes from the environment, never from plmsync.yaml, and an
unreachable broker is BrokerUnavailable (transient) naming it (no RabbitMQ needed)."""

from __future__ import annotations

import socket

import pytest

from plmsync.config import BrokerConfig
from plmsync.connectors.broker.connection import connect, parameters
from plmsync.domain.errors import ConfigError
from plmsync.ports.event_errors import BrokerUnavailable


def test_the_password_is_read_from_the_named_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLMSYNC_TEST_AMQP_PASSWORD", "s3cret")
    found = parameters(BrokerConfig(user="plmsync", password_env="PLMSYNC_TEST_AMQP_PASSWORD"))
    assert (found.credentials.username, found.credentials.password) == ("plmsync", "s3cret")


def test_a_named_variable_that_is_not_set_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PLMSYNC_TEST_AMQP_PASSWORD", raising=False)
    with pytest.raises(ConfigError, match="PLMSYNC_TEST_AMQP_PASSWORD, which is not set"):
        parameters(BrokerConfig(password_env="PLMSYNC_TEST_AMQP_PASSWORD"))


def test_an_unreachable_broker_is_broker_unavailable_naming_it() -> None:
    with socket.socket() as probe:  # a port nobody listens on: bound, never listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        where = f"RabbitMQ at 127.0.0.1:{port}/ is not reachable"
        with pytest.raises(BrokerUnavailable, match=where) as raised:
            connect(BrokerConfig(port=port))
    assert raised.value.code == "PLMSYNC-BROKER-UNAVAILABLE"
