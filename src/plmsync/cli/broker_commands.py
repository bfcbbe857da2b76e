"""Commands of the broker edge: `consume` (PLM events in from RabbitMQ)."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer

from plmsync.cli import engine_views as views
from plmsync.cli.common import ConfigOption, console, handled
from plmsync.cli.engine_commands import opened
from plmsync.config import DEFAULT_CONFIG, BrokerConfig, load_config
from plmsync.connectors.broker.consumer import Consumed, IngressConsumer
from plmsync.domain.errors import ConfigError

ExitWhenIdle = Annotated[
    bool, typer.Option("--exit-when-idle", help="Stop when there is nothing left to do.")
]


def consume(config: ConfigOption = DEFAULT_CONFIG, exit_when_idle: ExitWhenIdle = False) -> None:
    """Consume PLM events from the RabbitMQ queue into the inbox (a worker posts them).

    Each message is acknowledged once stored; an invalid one is kept as a dead letter and
    sent to the dead-letter exchange. SIGTERM or Ctrl-C stops after the message in hand."""
    with handled(), opened(config) as engine:
        broker = _broker(load_config(config).broker)
        stop = _stop_on_signals()
        consumer = IngressConsumer(
            broker,
            lambda raw: engine.submit(raw, actor=f"broker:{broker.queue}"),
            engine.store.event,
            stop=stop,
            listener=_print_consumed,
        )
        console.print(f"Consuming {broker.queue} on {broker.host}:{broker.port}.")
        settled = consumer.run(exit_when_idle=exit_when_idle)
        console.print(f"Consumer stopped after {settled} message(s).")


def _broker(config: BrokerConfig | None) -> BrokerConfig:
    if config is None:
        raise ConfigError(
            "plmsync.yaml has no broker: section",
            remedy="Add `broker:` (host, port, user, password_env, queue) to plmsync.yaml.",
        )
    return config


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        console.print(f"{signal.Signals(signum).name}: stopping after the message in hand…")
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return stop


def _print_consumed(consumed: Consumed) -> None:
    again = " (redelivered)" if consumed.redelivered else ""
    line = views.received_line("message", consumed.received)
    console.print(f"{line}{again}: {consumed.verdict}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command()(consume)
