"""The outbox relay as a chore of `plmsync worker` (when `outbound.relay_every_seconds` is
set), so that a workspace without a separate `plmsync relay` process still publishes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from plmsync.bootstrap import build_relay
from plmsync.config import WorkspaceConfig
from plmsync.engine.clock import Clock
from plmsync.engine.schedule import Every
from plmsync.persistence import SqlStore

Chore = Callable[[], None]


@contextmanager
def relay_chores(workspace: WorkspaceConfig, clock: Clock) -> Iterator[list[Chore]]:
    every = workspace.outbound.relay_every_seconds
    if every is None:
        yield []
        return
    with SqlStore(workspace.engine.state_url(workspace.base_dir), clock=clock.now) as store:
        relay = build_relay(workspace, store, clock)
        try:
            yield [Every(dt.timedelta(seconds=every), relay.exclusive_pass, clock)]
        finally:
            relay.close()
