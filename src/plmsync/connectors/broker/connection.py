"""Opening a blocking connection from `broker:` in plmsync.yaml (password from the
environment, never from the file)."""

from __future__ import annotations

import os

import pika
from pika.exceptions import AMQPConnectionError

from plmsync.config import BrokerConfig
from plmsync.domain.errors import ConfigError
from plmsync.ports.event_errors import BrokerUnavailable

# RabbitMQ's built-in account, which the broker only lets in from localhost.
GUEST_PASSWORD = "guest"


def connect(config: BrokerConfig) -> pika.BlockingConnection:
    """An open connection, or BrokerUnavailable saying which broker could not be reached."""
    try:
        return pika.BlockingConnection(parameters(config))
    except AMQPConnectionError as error:
        where = f"{config.host}:{config.port}{config.virtual_host}"
        raise BrokerUnavailable(f"RabbitMQ at {where} is not reachable: {error!r}") from error


def parameters(config: BrokerConfig) -> pika.ConnectionParameters:
    credentials = pika.PlainCredentials(config.user, _password(config))
    return pika.ConnectionParameters(
        host=config.host,
        port=config.port,
        virtual_host=config.virtual_host,
        credentials=credentials,
        heartbeat=30,
        connection_attempts=2,
        retry_delay=0.5,
    )


def _password(config: BrokerConfig) -> str:
    if config.password_env is None:
        return GUEST_PASSWORD
    value = os.environ.get(config.password_env)
    if not value:
        raise ConfigError(
            f"broker.password_env names {config.password_env}, which is not set",
            remedy=f"Export {config.password_env} with the RabbitMQ password.",
        )
    return value
