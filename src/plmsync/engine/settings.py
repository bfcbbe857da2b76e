"""The engine's knobs as durations, read once from `plmsync.yaml`'s `engine:` section."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from plmsync.config import EngineConfig
from plmsync.engine.retry import RetryPolicy


def _seconds(value: float) -> dt.timedelta:
    return dt.timedelta(seconds=value)


def _maybe_seconds(value: float | None) -> dt.timedelta | None:
    return None if value is None else _seconds(value)


@dataclass(frozen=True)
class EngineSettings:
    lease: dt.timedelta = dt.timedelta(seconds=60)
    heartbeat: dt.timedelta = dt.timedelta(seconds=15)
    lock_wait: dt.timedelta = dt.timedelta(seconds=1)
    poll: dt.timedelta = dt.timedelta(seconds=1)
    threads: int = 1
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    reconcile_every: dt.timedelta | None = None  # scheduled drift reconciliation (off)
    reconcile_heal: bool = False

    @classmethod
    def from_config(cls, config: EngineConfig) -> EngineSettings:
        return cls(
            lease=_seconds(config.lease_seconds),
            heartbeat=_seconds(config.heartbeat_seconds),
            lock_wait=_seconds(config.lock_wait_seconds),
            poll=_seconds(config.poll_seconds),
            threads=config.worker_threads,
            reconcile_every=_maybe_seconds(config.reconcile_every_seconds),
            reconcile_heal=config.reconcile_heal,
            retry=RetryPolicy(
                max_attempts=config.max_attempts,
                base_delay=_seconds(config.backoff_base_seconds),
                max_delay=_seconds(config.backoff_max_seconds),
                jitter=config.jitter,
            ),
        )
