"""The store fixtures of tests/persistence (both dialects) and the RabbitMQ ones of
tests/broker, shared here."""

from tests.broker.rabbit import broker_config, rabbitmq
from tests.persistence.conftest import clock, postgres_engine, sqlite_template, store, store_url

__all__ = [
    "broker_config",
    "clock",
    "postgres_engine",
    "rabbitmq",
    "sqlite_template",
    "store",
    "store_url",
]
