"""Commands that bring PLM changes in: `plmsync poll` (a REST source) and `plmsync watch`
(an inbox folder). Both only deliver to the inbox; a worker posts what they deliver."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from plmsync.cli import engine_views as views
from plmsync.cli.common import ConfigOption, console, handled
from plmsync.cli.inbox_chore import open_inbox
from plmsync.config import DEFAULT_CONFIG, WorkspaceConfig, load_config
from plmsync.config_plm import InboxFolderConfig
from plmsync.connectors.plm.build import configured_source
from plmsync.domain.errors import ConfigError
from plmsync.engine.cursors import CursorFile
from plmsync.engine.inbox_folder import Taken
from plmsync.engine.poller import Poller, poll_until_stopped
from plmsync.persistence import SqlStore

OnceOption = Annotated[bool, typer.Option("--once", help="Do it once, then exit.")]


def poll(
    config: ConfigOption = DEFAULT_CONFIG,
    source: Annotated[
        str | None,
        typer.Option("--source", "-s", help="Source under `sources:` (default: the only one)."),
    ] = None,
    once: OnceOption = False,
) -> None:
    """Poll a PLM's REST API for released changes and deliver each to the inbox.

    The cursor (in the state directory) moves on only once every change found is stored, so
    a crash repeats a poll, and the repeats are recorded as duplicates. SIGTERM or Ctrl-C
    stops it between polls; an auth or configuration error stops it with its code."""
    with handled():
        workspace = load_config(config)
        name, plm = configured_source(workspace, source)
        try:
            with _store(workspace) as store:
                cursors = CursorFile(workspace.engine.state_dir(workspace.base_dir), name)
                poller = Poller(plm, store, cursors)
                if once:
                    for received in poller.poll_once().received:
                        console.print(views.received_line(received.event.change_number, received))
                    return
                every = workspace.sources[name].poll_seconds
                console.print(f"Polling {name} every {every:g} s; Ctrl-C or SIGTERM stops it.")
                poll_until_stopped(poller, every, _stop_on_signals(), console.print)
        finally:
            plm.close()


def watch(
    directory: Annotated[
        Path | None, typer.Argument(help="Folder to watch (default: `inbox.directory`).")
    ] = None,
    config: ConfigOption = DEFAULT_CONFIG,
    once: OnceOption = False,
) -> None:
    """Watch an inbox folder: settled files are submitted, then moved to processed/ (or to
    rejected/ with an .error.json beside them).

    JSON change packages go in as they are; BOM and PLM exports through the importers (with
    `inbox.mapping` and `inbox.plants`). Files still being written are left until unmodified
    for `inbox.settle_seconds`; `*.part`, `*.tmp` and hidden files are never taken."""
    with handled():
        workspace = load_config(config)
        settings = _inbox_settings(workspace, directory)
        with _store(workspace) as store:
            inbox = open_inbox(workspace, settings, store)
            if once:
                _print_taken(inbox.scan())
                return
            console.print(f"Watching {inbox.directory}; Ctrl-C or SIGTERM stops it.")
            stop = _stop_on_signals()
            while not stop.is_set():
                _print_taken(inbox.scan())
                stop.wait(settings.scan_seconds)


def _inbox_settings(workspace: WorkspaceConfig, directory: Path | None) -> InboxFolderConfig:
    if directory is not None:
        base = workspace.inbox or InboxFolderConfig(directory=str(directory))
        return base.model_copy(update={"directory": str(directory.resolve())})
    if workspace.inbox is None:
        raise ConfigError(
            "no inbox folder to watch",
            remedy="Pass the folder (plmsync watch DIR) or set `inbox.directory` in plmsync.yaml.",
        )
    return workspace.inbox


def _print_taken(taken: list[Taken]) -> None:
    for item in taken:
        line = views.received_line(item.name, item.received)
        console.print(f"{line} → {item.moved_to.parent.name}/{item.moved_to.name}", highlight=False)


@contextmanager
def _store(workspace: WorkspaceConfig) -> Iterator[SqlStore]:
    with SqlStore(workspace.engine.state_url(workspace.base_dir)) as store:
        yield store


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        console.print(f"{signal.Signals(signum).name}: stopping…")
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return stop


def register(app: typer.Typer) -> None:
    app.command()(poll)
    app.command()(watch)
