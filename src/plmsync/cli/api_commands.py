"""Commands of the service: `serve`, `clients add|list|revoke`, `openapi`."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from plmsync.cli.common import ConfigOption, console, handled
from plmsync.config import DEFAULT_CONFIG, load_config

if TYPE_CHECKING:
    from plmsync.api.clients import ClientRegistry

clients_app = typer.Typer(
    name="clients", help="API clients: add (secret shown once), list, revoke.", no_args_is_help=True
)


def serve(
    config: ConfigOption = DEFAULT_CONFIG,
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8000,
) -> None:
    """Run the HTTP API with the sync workers and scheduler in one process.

    Ctrl-C or SIGTERM stops taking requests, lets the workers finish their jobs, then exits."""
    from plmsync.api.server import serve as run

    with handled():
        run(load_config(config), host, port)


@clients_app.command("add")
def clients_add(
    name: Annotated[str, typer.Argument(help="Client id, e.g. plm-prod or grafana.")],
    scopes: Annotated[
        str,
        typer.Option(
            "--scopes",
            help="Comma-separated: changes:write, changes:read, reviews:approve, "
            "deadletters:manage, admin.",
        ),
    ],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Create a client; its secret is printed once and only its hash is kept."""
    with handled(), _registry(config) as registry:
        record, secret = registry.add(name, [scopes], _now())
        console.print(f"Client [bold]{record.name}[/] created with {' '.join(record.scopes)}.")
        console.print("Its secret, shown this once (store it now):", highlight=False)
        sys.stdout.write(secret + "\n")


@clients_app.command("list")
def clients_list(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Every client with its scopes and whether it is revoked (secrets are never shown)."""
    with handled(), _registry(config) as registry:
        table = Table(title="API clients")
        for column in ("Client", "Scopes", "Created", "Revoked"):
            table.add_column(column)
        for client in registry.all():
            revoked = f"{client.revoked_at:%Y-%m-%d %H:%M}" if client.revoked_at else ""
            created = f"{client.created_at:%Y-%m-%d %H:%M}"
            table.add_row(client.name, " ".join(client.scopes), created, revoked)
        console.print(table)


@clients_app.command("revoke")
def clients_revoke(
    name: Annotated[str, typer.Argument(help="Client id.")],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Revoke a client: its tokens stop working at once."""
    with handled(), _registry(config) as registry:
        record = registry.revoke(name, _now())
        console.print(f"Client [bold]{record.name}[/] revoked.")


def openapi() -> None:
    """Print the OpenAPI document of API v1 (committed as schemas/openapi.json)."""
    from plmsync.api.app import routes_app
    from plmsync.api.openapi import text

    sys.stdout.write(text(routes_app()))


@contextmanager
def _registry(config: Path) -> Iterator[ClientRegistry]:
    from plmsync.api.bootstrap import open_clients
    from plmsync.api.clients import ClientRegistry

    store = open_clients(load_config(config))
    try:
        yield ClientRegistry(store)
    finally:
        store.close()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(openapi)
    app.add_typer(clients_app)
