"""The composition root: the only place that turns configuration into concrete adapters."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from plmsync.config import FakeTarget, TrytonTarget, WorkspaceConfig
from plmsync.pipeline.run import Pipeline
from plmsync.ports.erp import ErpTarget

if TYPE_CHECKING:
    from plmsync.engine.clock import Clock
    from plmsync.engine.relay import Relay
    from plmsync.engine.service import Engine
    from plmsync.ports.outbox import OutboxStore
    from plmsync.ports.plm import PlmSource

TargetWrapper = Callable[[ErpTarget], ErpTarget]
"""Wraps each ERP adapter (tests put `plmsync.testing.faults.FaultyErp` around them)."""


def build_targets(
    config: WorkspaceConfig, *, wrap_target: TargetWrapper | None = None
) -> dict[str, ErpTarget]:
    """One adapter per configured target, shared by every plant that maps to it."""
    adapters: dict[str, ErpTarget] = {}
    for plant in config.plants.values():
        if plant.target not in adapters:
            adapter = _adapter(plant.target, config)
            adapters[plant.target] = wrap_target(adapter) if wrap_target else adapter
    return {code: adapters[plant.target] for code, plant in config.plants.items()}


def _adapter(name: str, config: WorkspaceConfig) -> ErpTarget:
    target = config.targets[name]
    if isinstance(target, FakeTarget):
        from plmsync.testing.fake_erp import InMemoryErp

        return InMemoryErp(name=name, units=config.units)
    assert isinstance(target, TrytonTarget)
    # Imported here so that commands which never touch Tryton do not pay for loading it.
    from plmsync.connectors.erp.tryton.adapter import TrytonErp

    return TrytonErp(name, target, units=config.units, base_dir=config.base_dir)


def build_pipeline(
    config: WorkspaceConfig, *, wrap_target: TargetWrapper | None = None
) -> Pipeline:
    return Pipeline(config, build_targets(config, wrap_target=wrap_target))


def build_engine(
    config: WorkspaceConfig,
    *,
    wrap_target: TargetWrapper | None = None,
    clock: Clock | None = None,
) -> Engine:
    """The durable engine on the workspace's state database (created and migrated on first
    use) and the workspace's ERP targets."""
    from plmsync.engine.clock import SystemClock
    from plmsync.engine.service import Engine
    from plmsync.engine.settings import EngineSettings
    from plmsync.persistence import SqlStore

    clock = clock or SystemClock()
    store = SqlStore(config.engine.state_url(config.base_dir), clock=clock.now)
    settings = EngineSettings.from_config(config.engine)
    return Engine(store, build_pipeline(config, wrap_target=wrap_target), settings, clock)


def close_targets(targets: dict[str, ErpTarget]) -> None:
    for target in {id(t): t for t in targets.values()}.values():
        target.close()


def build_relay(
    config: WorkspaceConfig,
    store: OutboxStore,
    clock: Clock,
    *,
    plm_sources: Sequence[PlmSource] = (),
) -> Relay:
    """The outbox relay with a channel per destination: the broker's events exchange (when
    `broker:` is configured), each subscribed webhook (`outbound.webhooks`), and each PLM
    source that takes sync outcomes back (`write_back` capability)."""
    import datetime as dt

    from plmsync.connectors.broker.publisher import BrokerChannel
    from plmsync.connectors.webhooks.sender import WebhookChannel, secret_of
    from plmsync.engine.relay import Channel, Relay
    from plmsync.engine.retry import RetryPolicy
    from plmsync.engine.write_back import write_back_channels

    outbound = config.outbound
    channels: list[Channel] = [BrokerChannel(config.broker)] if config.broker else []
    channels += [
        WebhookChannel(
            hook,
            secret_of(hook),
            max_attempts=outbound.max_attempts,
            timeout=outbound.timeout_seconds,
        )
        for hook in outbound.webhooks
    ]
    channels += write_back_channels(list(plm_sources), max_attempts=outbound.max_attempts)
    backoff = RetryPolicy(
        base_delay=dt.timedelta(seconds=outbound.backoff_base_seconds),
        max_delay=dt.timedelta(seconds=outbound.backoff_max_seconds),
    )
    return Relay(store, channels, source=outbound.source, clock=clock, backoff=backoff)
