"""Commands of the event edges: `consume` (PLM events in from RabbitMQ), `relay` (plmsync's
CloudEvents out, to the broker and to webhooks) and `outbox` (what was delivered, what is
dead, sending a dead delivery again)."""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from plmsync.bootstrap import build_relay
from plmsync.cli import engine_views as views
from plmsync.cli.common import ConfigOption, console, handled
from plmsync.cli.engine_commands import opened
from plmsync.config import DEFAULT_CONFIG, BrokerConfig, load_config
from plmsync.connectors.broker.consumer import Consumed, IngressConsumer
from plmsync.domain.errors import ConfigError
from plmsync.engine.clock import SystemClock
from plmsync.engine.outbox import Delivery, DeliveryStatus, cloud_event
from plmsync.persistence import SqlStore

outbox_app = typer.Typer(
    name="outbox",
    help="Outbound events: deliveries per channel, dead ones, send again.",
    no_args_is_help=True,
)

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


def relay(config: ConfigOption = DEFAULT_CONFIG, exit_when_idle: ExitWhenIdle = False) -> None:
    """Deliver the outbox's CloudEvents to the broker's exchange and to subscribed webhooks.

    An event is marked delivered only once the broker confirmed it (or the webhook answered
    2xx); failures are retried with backoff, webhooks give up after outbound.max_attempts."""
    with handled():
        workspace = load_config(config)
        clock = SystemClock()
        with _store(config, clock) as store:
            relayer = build_relay(workspace, store, clock)
            try:
                names = ", ".join(c.name for c in relayer.channels) or "no channel configured"
                console.print(f"Relaying the outbox to {names}.")
                done = relayer.run(_stop_on_signals(), exit_when_idle=exit_when_idle)
            finally:
                relayer.close()
        console.print(
            f"Relay stopped: {done.delivered} delivered, {done.retrying} to retry, "
            f"{done.dead} dead."
        )


@outbox_app.command("list")
def outbox_list(
    config: ConfigOption = DEFAULT_CONFIG,
    status: Annotated[
        DeliveryStatus | None, typer.Option("--status", help="Only deliveries in this state.")
    ] = None,
    channel: Annotated[str | None, typer.Option("--channel", help="broker, webhook:NAME")] = None,
) -> None:
    """Deliveries of outbound events per channel (dead ones with their last error)."""
    with handled(), _store(config, SystemClock()) as store:
        deliveries = store.outbox_deliveries(status=status, channel=channel)
        console.print(_deliveries_table(deliveries))


@outbox_app.command("show")
def outbox_show(
    event: Annotated[int, typer.Argument(help="Outbox event id.")],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """The event as the relay sends it (a structured CloudEvent)."""
    with handled(), _store(config, SystemClock()) as store:
        found = store.outbox_events(after=event - 1, limit=1)
        if not found or found[0].id != event:
            raise ConfigError(f"no outbox event {event}", remedy="See `plmsync outbox list`.")
        source = load_config(config).outbound.source
        sys.stdout.write(json.dumps(cloud_event(found[0], source), indent=2) + "\n")


@outbox_app.command("retry")
def outbox_retry(
    event: Annotated[int, typer.Argument(help="Outbox event id.")],
    channel: Annotated[str, typer.Argument(help="broker, or webhook:NAME")],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Send a dead delivery again on the relay's next pass (after fixing the subscriber)."""
    with handled(), _store(config, SystemClock()) as store:
        retried = store.outbox_retry(event, channel)
        console.print(f"Event {retried.event} on {retried.channel}: {retried.status} again.")


@contextmanager
def _store(config: Path, clock: SystemClock) -> Iterator[SqlStore]:
    """The workspace's state store alone: the relay needs no ERP."""
    workspace = load_config(config)
    with SqlStore(workspace.engine.state_url(workspace.base_dir), clock=clock.now) as store:
        yield store


def _deliveries_table(deliveries: list[Delivery]) -> Table:
    table = Table(title="Outbound deliveries")
    for column in ("Event", "Channel", "Status", "Attempts", "Next attempt", "Updated"):
        table.add_column(column, no_wrap=True)
    table.add_column("Last error", overflow="fold")
    for d in deliveries:
        table.add_row(
            str(d.event),
            d.channel,
            str(d.status),
            str(d.attempts),
            views.when(d.next_attempt_at),
            views.when(d.updated_at),
            d.last_error,
        )
    return table


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
    app.command()(relay)
    app.add_typer(outbox_app)
