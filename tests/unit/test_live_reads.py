"""Planning a change reads each plant's ERP once: validation's read serves the plan, narrowed
to the items the plan covers, and the plan is the one a separate read would give."""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal

from plmsync import generator
from plmsync.config import FakeTarget, PlantConfig, WorkspaceConfig
from plmsync.connectors.erp.wrapper import ErpWrapper
from plmsync.domain.state import (
    BomLineRecord,
    BomRecord,
    ItemRecord,
    SourceRecord,
    TargetState,
    state_of,
)
from plmsync.pipeline.derive import PlantContext, derive
from plmsync.pipeline.live_reads import LiveReads
from plmsync.pipeline.plan import plan
from plmsync.pipeline.run import Pipeline
from plmsync.testing.fake_erp import InMemoryErp

SHAPE = generator.Shape(items=120, lines=400, seed=3)


class CountingReads(ErpWrapper):
    def __init__(self, inner: InMemoryErp):
        super().__init__(inner)
        self.reads: list[frozenset[str]] = []

    def read(self, item_numbers: Collection[str]) -> TargetState:
        self.reads.append(frozenset(item_numbers))
        return super().read(item_numbers)


def pipeline() -> tuple[Pipeline, dict[str, CountingReads]]:
    plants = [code for code, _ in SHAPE.plants]
    config = WorkspaceConfig(
        plants={p: PlantConfig(target=p) for p in plants},
        targets={p: FakeTarget(kind="memory") for p in plants},
    )
    targets = {p: CountingReads(InMemoryErp(name=p, units=config.units)) for p in plants}
    return Pipeline(config, targets), targets


def test_an_eco_is_validated_and_planned_with_one_read_per_plant() -> None:
    runner, targets = pipeline()
    release = generator.release(SHAPE)
    assert runner.sync(release).ok
    eco = generator.eco(release, fraction=0.1)
    for target in targets.values():
        target.reads.clear()
    plans = runner.plan(eco)
    for target in targets.values():  # validation's read serves the plan: no item read twice
        assert len(target.reads) == 1
    for plant, made in plans.items():  # the same plan as from a read of just its items
        context = PlantContext(plant, runner.config.region_of(plant), None)
        desired = derive(eco, context, runner.config.rules)
        actual = targets[plant].read(desired.item_numbers)
        expected = plan(
            eco.change.number, plant, desired, actual, made.warnings, runner.config.rules
        )
        assert made.actionable == expected.actionable


def test_a_plan_needing_more_items_reads_only_those() -> None:
    runner, targets = pipeline()
    release = generator.release(SHAPE)
    assert runner.sync(release).ok
    target = targets["US01"]
    target.reads.clear()
    reads = LiveReads(targets)
    some = {i.number for i in release.items[:40]}
    more = {i.number for i in release.items[20:60]}
    first, second = reads.of("US01", some), reads.of("US01", more)
    assert target.reads == [frozenset(some), frozenset(more - some)]
    assert (first, second) == (target.read(some), target.read(more))
    assert second.items  # the comparison is not between two empty states


def test_narrowing_keeps_exactly_the_records_of_the_items_kept() -> None:
    gear = ItemRecord("GR-1", "A", "Gear", "EA", "part", "buy")
    pump = ItemRecord("PMP-1", "A", "Pump", "EA", "assembly", "make")
    bom = BomRecord("PMP-1", "A", (BomLineRecord(10, "GR-1", Decimal(2), "EA"),))
    source = SourceRecord("GR-1", "Supplier", "Maker", "M-1")
    state = state_of([gear, pump, bom, source])
    assert state.restricted_to({"GR-1"}) == state_of([gear, source])
    assert state.restricted_to({"PMP-1"}) == state_of([pump, bom])
    assert state.restricted_to(set()) == TargetState()
