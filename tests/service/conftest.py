"""Service-level fixtures: the real engine and store (SQLite file under tmp_path), the
in-memory ERP for both sample plants, and a manual clock so retries and effectivity dates
pass in no time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from plmsync.bootstrap import TargetWrapper, build_engine
from plmsync.config import EngineConfig, FakeTarget, PlantConfig, WorkspaceConfig
from plmsync.domain.package import ChangePackage
from plmsync.engine.clock import ManualClock
from plmsync.engine.service import Engine
from plmsync.testing.fake_erp import InMemoryErp

# Before every sample's effectivity: the release (2026-05-05) is due, ECO-0012 (US01
# 2026-06-15, DE01 2026-06-22) is not.
START = dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC)

EngineFactory = Callable[..., Engine]


def memory_workspace(base_dir: Path, **engine: object) -> WorkspaceConfig:
    return WorkspaceConfig(
        plants={
            "US01": PlantConfig(target="US01", region="NA"),
            "DE01": PlantConfig(target="DE01", region="EU"),
        },
        targets={"US01": FakeTarget(kind="memory"), "DE01": FakeTarget(kind="memory")},
        engine=EngineConfig.model_validate(
            {"worker_threads": 1, "jitter": 0, "poll_seconds": 30, **engine}
        ),
        base_dir=base_dir,
    )


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def make_engine(tmp_path: Path, clock: ManualClock) -> Iterator[EngineFactory]:
    built: list[Engine] = []

    def make(wrap_target: TargetWrapper | None = None, **engine: object) -> Engine:
        # Each engine of a test gets its own state database; the first one is state.sqlite.
        database = f"state-{len(built) + 1}.sqlite" if built else "state.sqlite"
        config = memory_workspace(tmp_path, database=database, **engine)
        built.append(build_engine(config, wrap_target=wrap_target, clock=clock))
        return built[-1]

    yield make
    for engine in built:
        engine.close()


@pytest.fixture
def engine(make_engine: EngineFactory) -> Engine:
    return make_engine()


def erp(engine: Engine, plant: str = "US01") -> InMemoryErp:
    target = engine.pipeline.targets[plant]
    inner = getattr(target, "inner", target)  # FaultyErp wraps the fake
    assert isinstance(inner, InMemoryErp)
    return inner


def raw(package: ChangePackage, event_id: str | None = None) -> bytes:
    """A package's bytes, optionally under another event id."""
    if event_id is not None:
        source = package.source.model_copy(update={"event_id": event_id})
        package = package.model_copy(update={"source": source})
    return package.model_dump_json().encode()
