"""The extra benchmark rows measure what they say, at a size a test can afford."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench.queue_bench import floor_throughput, plmsync_throughput
from bench.writes_bench import CountingErp, changed_records

from plmsync import generator
from plmsync.config import FakeTarget, PlantConfig, WorkspaceConfig
from plmsync.pipeline.run import Pipeline
from plmsync.testing.fake_erp import InMemoryErp
from tests.persistence.services import scratch_database

SHAPE = generator.Shape(items=120, lines=400, seed=2)


def counted_pipeline() -> tuple[Pipeline, list[CountingErp]]:
    plants = [code for code, _ in SHAPE.plants]
    config = WorkspaceConfig(
        plants={p: PlantConfig(target=p) for p in plants},
        targets={p: FakeTarget(kind="memory") for p in plants},
    )
    counters = [CountingErp(InMemoryErp(name=p, units=config.units)) for p in plants]
    return Pipeline(config, dict(zip(plants, counters, strict=True))), counters


def test_an_eco_writes_exactly_the_records_it_changes() -> None:
    release = generator.release(SHAPE)
    eco = generator.eco(release, fraction=0.1)
    pipeline, counters = counted_pipeline()
    assert pipeline.sync(release).ok
    items = {i.number for i in release.items}
    before = {p: pipeline.targets[p].read(items) for p in eco.plant_codes}
    issued_before = sum(c.records_written for c in counters)
    assert pipeline.sync(eco).ok
    issued = sum(c.records_written for c in counters) - issued_before
    after = {p: pipeline.targets[p].read(items) for p in eco.plant_codes}
    changed = sum(changed_records(before[p], after[p]) for p in eco.plant_codes)
    # Each revised assembly: its item, BOM, drawing and routing, in each plant.
    assert changed == 4 * len(eco.boms) * len(eco.plant_codes)
    assert issued == changed
    again = sum(c.records_written for c in counters)
    assert pipeline.sync(eco).ok
    assert sum(c.records_written for c in counters) == again  # nothing left to write


def test_queue_drains_every_job_it_queued(tmp_path: Path) -> None:
    seconds = plmsync_throughput(f"sqlite:///{tmp_path / 'state.sqlite'}", 25)
    assert seconds > 0  # plmsync_throughput exits unless all 25 were claimed and completed


@pytest.mark.postgresql
def test_the_queue_floor_drains_every_job_it_queued() -> None:
    with scratch_database() as url:
        assert floor_throughput(url, 25, workers=2) > 0  # exits unless all 25 were drained
