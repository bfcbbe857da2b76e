"""The watched inbox folder as a chore of `plmsync worker` (when `inbox:` is configured), so
files dropped into it are picked up without a separate `plmsync watch` process."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from plmsync.config import WorkspaceConfig
from plmsync.config_plm import InboxFolderConfig
from plmsync.engine.clock import Clock
from plmsync.engine.inbox_folder import InboxFolder
from plmsync.engine.schedule import Every
from plmsync.importers.mapping import ColumnMapping
from plmsync.ports.store import JobStore

Chore = Callable[[], None]


def open_inbox(
    workspace: WorkspaceConfig, settings: InboxFolderConfig, store: JobStore
) -> InboxFolder:
    """The folder as configured; relative paths are relative to the workspace file."""
    base = workspace.base_dir
    mapping = ColumnMapping.load(base / settings.mapping) if settings.mapping else None
    return InboxFolder(
        base / settings.directory,  # an absolute directory stays as it is
        store,
        settle_seconds=settings.settle_seconds,
        abandoned_seconds=settings.abandoned_seconds,
        plants=settings.plants,
        mapping=mapping,
        clock=time.time,
    )


def inbox_chores(workspace: WorkspaceConfig, store: JobStore, clock: Clock) -> list[Chore]:
    if workspace.inbox is None:
        return []
    inbox = open_inbox(workspace, workspace.inbox, store)
    every = dt.timedelta(seconds=workspace.inbox.scan_seconds)
    return [Every(every, inbox.scan, clock)]
