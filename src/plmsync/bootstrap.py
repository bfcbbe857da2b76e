"""The composition root: the only place that turns configuration into concrete adapters."""

from __future__ import annotations

from plmsync.config import FakeTarget, TrytonTarget, WorkspaceConfig
from plmsync.pipeline.run import Pipeline
from plmsync.ports.erp import ErpTarget


def build_targets(config: WorkspaceConfig) -> dict[str, ErpTarget]:
    """One adapter per configured target, shared by every plant that maps to it."""
    adapters: dict[str, ErpTarget] = {}
    for plant in config.plants.values():
        if plant.target not in adapters:
            adapters[plant.target] = _adapter(plant.target, config)
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


def build_pipeline(config: WorkspaceConfig) -> Pipeline:
    return Pipeline(config, build_targets(config))


def close_targets(targets: dict[str, ErpTarget]) -> None:
    for target in {id(t): t for t in targets.values()}.values():
        target.close()
