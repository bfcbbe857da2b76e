"""The ERP target contract: one pytest suite that every `ErpTarget` passes, fakes included,
so a fake cannot drift from the real adapters (the huey StorageTests / Airbyte standard
tests pattern).

Adopt it by subclassing in a test module (the class name must start with `Test`) and saying
how to make a fresh, empty target whose unit table is `plmsync.config.DEFAULT_UNITS`:

    class TestMyErpContract(ErpTargetContract):
        def make_target(self) -> ErpTarget:
            return MyErp(...)

or, when a pytest fixture already builds one, by overriding the `target` fixture:

    class TestTrytonContract(ErpTargetContract):
        @pytest.fixture
        def target(self, tryton_target: TrytonErp) -> TrytonErp:
            return tryton_target

Override `make_unusable_target()` too, returning a target that cannot work (bad credentials,
no database), to have `check()` tested for failing cleanly; without it that test is skipped.

Every test goes through the port only (`check`, `capabilities`, `read`, `apply`) and the pure
pipeline (`derive` → `plan` against `read`), using the GP-40 samples of
`plmsync.testing.packages`. The suite asserts that:
- `check()` passes, the target is an `ErpTarget` and knows every unit the samples use;
- `read` of unknown items is empty, and `read` returns only what concerns the items asked for;
- apply → read → diff is all unchanged (convergence), for US01 and for DE01, each plant
  getting its own supplier;
- a finished change plans to nothing and applying that writes nothing;
- replaying applied steps, or resuming a plan after a crash, converges without duplicates;
- an ECO (swap a component, change a quantity, revise a drawing, add a supplier) reads back
  as released, and a new BOM revision becomes the one in use;
- a source dropped from the AVL is retired;
- a refused write (a quantity finer than the unit keeps) raises `RejectedError` with code
  `PLMSYNC-ERP-UNIT-PRECISION` and leaves the target as it was;
- postings name ERP records for every actionable step;
- `stage` leaves what production uses as it was (only new items appear), creates nothing new
  when repeated, and `apply` of a fresh plan at the effective date puts the staged BOM and
  routing revisions in use with the record ids staging gave them;
- after a timeout that hid a committed `apply` or `stage` (`plmsync.testing.faults`),
  re-reading and re-planning converge on the same records, without duplicates.

Needs pytest, which is a test dependency of plmsync, not a runtime one.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

import pytest

from plmsync.domain.errors import AuthError, ConfigError, RejectedError, TransientError
from plmsync.domain.package import ChangePackage, ItemSourcing
from plmsync.domain.plan import Action, Plan, Step
from plmsync.domain.state import (
    BomLineRecord,
    BomRecord,
    ItemRecord,
    ObjectKind,
    Record,
    TargetState,
    state_of,
)
from plmsync.pipeline.derive import PlantContext, derive
from plmsync.pipeline.diff import diff
from plmsync.pipeline.plan import plan
from plmsync.pipeline.stage import stageable
from plmsync.ports.erp import ChangeRef, ErpTarget, Posting
from plmsync.testing.faults import FaultyErp
from plmsync.testing.packages import (
    DE01,
    US01,
    eco_package,
    release_package,
    renumber,
    revise,
    with_line_quantity,
    with_routing_operation,
    with_sources,
)

__all__ = ["ErpTargetContract", "plan_for", "sync", "unconverged"]

PRECISION_CODE = "PLMSYNC-ERP-UNIT-PRECISION"


@dataclass(frozen=True)
class PlantCase:
    plant: PlantContext
    release_sources: frozenset[str]  # source keys the plant holds after the release
    eco_sources: frozenset[str]  # … and after ECO-0012


_US_GEARS = "GR-401/Gear Distribution Inc/ZR-401-A"
_DE_GEARS = "GR-401/Zahnrad GmbH/ZR-401-A"
_EU_HOUSINGS = "HSG-40/Gießerei Weber GmbH/GW-HSG40-C"
PLANT_CASES = (
    PlantCase(US01, frozenset({_US_GEARS}), frozenset({_US_GEARS})),
    PlantCase(DE01, frozenset({_DE_GEARS}), frozenset({_DE_GEARS, _EU_HOUSINGS})),
)
each_plant = pytest.mark.parametrize("case", PLANT_CASES, ids=lambda c: c.plant.plant)


# --- the pipeline around a target -------------------------------------------------------


def ref_of(package: ChangePackage, plant: PlantContext) -> ChangeRef:
    return ChangeRef(package.change.number, plant.plant, package.source.event_id)


def read_for(target: ErpTarget, package: ChangePackage, plant: PlantContext) -> TargetState:
    """What the target holds of everything the package speaks for in this plant."""
    return target.read(derive(package, plant).item_numbers)


def plan_for(target: ErpTarget, package: ChangePackage, plant: PlantContext) -> Plan:
    desired = derive(package, plant)
    return plan(package.change.number, plant.plant, desired, target.read(desired.item_numbers))


def sync(
    target: ErpTarget, package: ChangePackage, plant: PlantContext
) -> tuple[Plan, list[Posting]]:
    planned = plan_for(target, package, plant)
    return planned, target.apply(ref_of(package, plant), planned.steps)


def unconverged(target: ErpTarget, package: ChangePackage, plant: PlantContext) -> list[Step]:
    """Steps a diff of the package against the target still finds (none once in sync)."""
    desired = derive(package, plant)
    found = diff(desired, target.read(desired.item_numbers))
    return [step for step in found if step.action is not Action.UNCHANGED]


def assert_postings_cover(planned: Plan, postings: Sequence[Posting]) -> None:
    posted = sorted((p.kind, p.step_key, p.action) for p in postings)
    assert posted == sorted((s.kind, s.key, s.action.value) for s in planned.actionable)
    assert all(p.record_ids and p.erp_model for p in postings), postings


def _record_ids(postings: Iterable[Posting]) -> dict[tuple[str, str], tuple[int | str, ...]]:
    return {(p.kind, p.step_key): p.record_ids for p in postings}


def _revision_ids(postings: Iterable[Posting]) -> dict[tuple[str, str], tuple[int | str, ...]]:
    """Record ids of BOM and routing postings: what staging and activation must share."""
    revisioned = (ObjectKind.BOM, ObjectKind.ROUTING)
    return {key: ids for key, ids in _record_ids(postings).items() if key[0] in revisioned}


def stage_for(
    target: ErpTarget, package: ChangePackage, plant: PlantContext
) -> tuple[Plan, list[Posting]]:
    """Stage a fresh plan of the package, as a worker does before the effective date."""
    planned = plan_for(target, package, plant)
    return planned, target.stage(ref_of(package, plant), planned.steps)


def _of_items(state: TargetState, items: Collection[str]) -> TargetState:
    """The part of a state that belongs to these items (their records, BOMs, routings…)."""
    return state_of(
        [
            record
            for kind in ObjectKind
            for record in state.of_kind(kind).values()
            if _owner(record) in items
        ]
    )


def _owner(record: Record) -> str:
    return record.number if isinstance(record, ItemRecord) else record.item


def _line(bom: BomRecord, find_number: int) -> BomLineRecord:
    return {line.find_number: line for line in bom.lines}[find_number]


# --- the suite ----------------------------------------------------------------------------


class ErpTargetContract:
    """Subclass as `Test…` and provide `make_target()` or a `target` fixture (see module doc)."""

    def make_target(self) -> ErpTarget:
        raise NotImplementedError(
            f"{type(self).__name__} must override make_target() or the `target` fixture"
        )

    def make_unusable_target(self) -> ErpTarget | None:
        """A target whose `check()` must fail (bad credentials, no database); None to skip."""
        return None

    @pytest.fixture
    def target(self) -> Iterator[ErpTarget]:
        target = self.make_target()
        yield target
        target.close()

    # --- health and reading -------------------------------------------------------------

    def test_check_passes_and_the_target_knows_the_sample_units(self, target: ErpTarget) -> None:
        target.check()
        assert isinstance(target, ErpTarget)
        assert target.name.strip()
        release = release_package()
        used = {i.uom for i in release.items} | {ln.uom for b in release.boms for ln in b.lines}
        assert used <= set(target.capabilities().unit_digits)

    def test_check_fails_cleanly_when_the_target_cannot_be_used(self) -> None:
        unusable = self.make_unusable_target()
        if unusable is None:
            pytest.skip("no make_unusable_target(): this adapter has no way to be made unusable")
        try:
            with pytest.raises((AuthError, ConfigError, TransientError)):
                unusable.check()
        finally:
            unusable.close()

    def test_read_of_missing_items_is_empty(self, target: ErpTarget) -> None:
        assert target.read({"NO-SUCH-ITEM", "NOR-THIS-ONE"}) == TargetState()
        assert target.read(set()) == TargetState()

    def test_read_returns_only_what_concerns_the_items_asked_for(self, target: ErpTarget) -> None:
        sync(target, release_package(), DE01)
        state = target.read({"GR-401"})
        assert set(state.items) == {"GR-401"}
        assert (state.boms, state.routings, state.documents) == ({}, {}, {})
        assert set(state.sources) == {_DE_GEARS}

    def test_reading_more_items_then_restricting_is_reading_fewer(self, target: ErpTarget) -> None:
        """The pipeline reads a plant once for validation and planning, and narrows that read
        to the items a plan needs: a record's presence must depend only on its own item."""
        release = release_package()
        sync(target, release, DE01)
        everything = {i.number for i in release.items}
        fewer = {"GR-401", release.boms[0].item}
        assert target.read(everything).restricted_to(fewer) == target.read(fewer)

    # --- convergence and idempotency ----------------------------------------------------

    @each_plant
    def test_apply_then_read_converges(self, target: ErpTarget, case: PlantCase) -> None:
        release = release_package()
        sync(target, release, case.plant)
        assert unconverged(target, release, case.plant) == []
        assert set(read_for(target, release, case.plant).sources) == case.release_sources

    def test_a_finished_change_plans_to_nothing_and_writes_nothing(self, target: ErpTarget) -> None:
        release = release_package()
        sync(target, release, US01)
        before = read_for(target, release, US01)
        again = plan_for(target, release, US01)
        assert again.is_empty, again.actionable
        assert target.apply(ref_of(release, US01), again.steps) == []
        assert read_for(target, release, US01) == before

    def test_replaying_applied_steps_changes_nothing(self, target: ErpTarget) -> None:
        release = release_package()
        planned, first = sync(target, release, US01)
        after = read_for(target, release, US01)
        # At-least-once delivery: the same steps may arrive again; they must not duplicate.
        second = target.apply(ref_of(release, US01), planned.steps)
        assert read_for(target, release, US01) == after
        assert _record_ids(second) == _record_ids(first)

    def test_a_plan_resumed_after_a_crash_completes(self, target: ErpTarget) -> None:
        release = release_package()
        planned = plan_for(target, release, DE01)
        posted_before_crash = planned.steps[: len(planned.steps) // 2]
        target.apply(ref_of(release, DE01), posted_before_crash)
        postings = target.apply(ref_of(release, DE01), planned.steps)
        assert unconverged(target, release, DE01) == []
        assert_postings_cover(planned, postings)

    # --- changes ------------------------------------------------------------------------

    @each_plant
    def test_an_eco_reads_back_as_released(self, target: ErpTarget, case: PlantCase) -> None:
        eco = eco_package()
        sync(target, release_package(), case.plant)
        planned, postings = sync(target, eco, case.plant)
        state = read_for(target, eco, case.plant)
        pump, gears = state.boms["PMP-40"], state.boms["GRS-40"]
        assert (pump.revision, gears.revision) == ("B", "C")
        assert _line(pump, 30).quantity == Decimal(8)
        assert _line(gears, 20).component == "GR-402B"
        assert "GR-402" not in gears.components
        assert state.documents["PMP-40/DRW-40"].revision == "B"
        assert set(state.sources) == case.eco_sources
        assert_postings_cover(planned, postings)
        assert plan_for(target, eco, case.plant).is_empty

    def test_a_new_bom_revision_becomes_the_one_in_use(self, target: ErpTarget) -> None:
        release = release_package()
        sync(target, release, US01)
        revised = renumber(revise(release, "GRS-40", "C"), "ECO-T100")
        planned, _ = sync(target, revised, US01)
        assert [s.action for s in planned.actionable if s.kind is ObjectKind.BOM] == [
            Action.SUPERSEDE
        ]
        gears = target.read({"GRS-40"}).boms["GRS-40"]
        assert gears.revision == "C"
        assert gears.lines == derive(release, US01).boms["GRS-40"].lines
        assert plan_for(target, revised, US01).is_empty

    def test_a_source_dropped_from_the_avl_is_retired(self, target: ErpTarget) -> None:
        release = release_package()
        sync(target, release, US01)
        other = ItemSourcing(
            item="GR-401",
            manufacturer="Zahnrad GmbH",
            mpn="ZR-401-A",
            supplier="Precision Gears LLC",
            plants=("US01",),
        )
        changed = renumber(with_sources(release, "GR-401", [other]), "ECO-T300")
        planned, postings = sync(target, changed, US01)
        assert {s.action for s in planned.actionable} == {Action.CREATE, Action.RETIRE}
        assert set(target.read({"GR-401"}).sources) == {"GR-401/Precision Gears LLC/ZR-401-A"}
        assert_postings_cover(planned, postings)
        assert plan_for(target, changed, US01).is_empty

    # --- refusals and postings ----------------------------------------------------------

    def test_a_refused_write_raises_with_a_code_and_leaves_nothing_behind(
        self, target: ErpTarget
    ) -> None:
        release = release_package()
        sync(target, release, US01)
        digits = target.capabilities().unit_digits["EA"]
        too_fine = Decimal(6) + Decimal(1).scaleb(-(digits + 1))  # 6.1 EA when EA keeps 0
        bad = with_line_quantity(revise(release, "PMP-40", "B"), "PMP-40", 30, too_fine)
        bad = renumber(bad, "ECO-T200")
        planned = plan_for(target, bad, US01)
        # The item's new revision is posted before the BOM is refused; the refusal undoes it.
        assert planned.actionable[0].kind is ObjectKind.ITEM
        before = read_for(target, bad, US01)
        with pytest.raises(RejectedError) as refused:
            target.apply(ref_of(bad, US01), planned.steps)
        assert refused.value.code == PRECISION_CODE
        assert read_for(target, bad, US01) == before

    @each_plant
    def test_postings_name_a_record_for_every_actionable_step(
        self, target: ErpTarget, case: PlantCase
    ) -> None:
        planned, postings = sync(target, release_package(), case.plant)
        assert planned.actionable
        assert_postings_cover(planned, postings)

    # --- staged effectivity -------------------------------------------------------------

    def test_staging_leaves_what_production_uses_as_it_was(self, target: ErpTarget) -> None:
        release, eco = release_package(), eco_package()
        sync(target, release, US01)
        before = read_for(target, eco, US01)
        planned, postings = stage_for(target, eco, US01)
        after = read_for(target, eco, US01)
        # The plant keeps building PMP-40 rev A and GRS-40 rev B; only the new gear appears.
        assert _of_items(after, set(before.items)) == before
        assert set(after.items) - set(before.items) == {"GR-402B"}
        assert_postings_cover(replace(planned, steps=stageable(planned)), postings)
        assert {(p.kind, p.step_key) for p in postings} >= {
            (ObjectKind.BOM, "PMP-40"),
            (ObjectKind.BOM, "GRS-40"),
        }

    def test_staging_a_stale_plan_never_touches_what_is_in_use(self, target: ErpTarget) -> None:
        release, eco = release_package(), eco_package()
        # Planned before anything existed, so it calls every item and BOM new.
        stale = plan(eco.change.number, "US01", derive(eco, US01), TargetState())
        sync(target, release, US01)
        before = read_for(target, eco, US01)
        target.stage(ref_of(eco, US01), stale.steps)
        assert _of_items(read_for(target, eco, US01), set(before.items)) == before

    def test_staging_again_creates_nothing_new(self, target: ErpTarget) -> None:
        release, eco = release_package(), eco_package()
        sync(target, release, US01)
        planned, first = stage_for(target, eco, US01)
        staged = read_for(target, eco, US01)
        again = target.stage(ref_of(eco, US01), planned.steps)  # the same steps redelivered
        assert _record_ids(again) == _record_ids(first)
        _, fresh = stage_for(target, eco, US01)  # a new plan: the new item exists by now
        assert _revision_ids(fresh) == _revision_ids(first)
        assert read_for(target, eco, US01) == staged

    def test_activation_puts_the_staged_revisions_in_use_without_new_records(
        self, target: ErpTarget
    ) -> None:
        release, eco = release_package(), eco_package()
        sync(target, release, US01)
        _, staged = stage_for(target, eco, US01)
        planned, activated = sync(target, eco, US01)  # at the effective date: a fresh plan
        assert _revision_ids(activated) == _revision_ids(staged)
        state = read_for(target, eco, US01)
        assert (state.boms["PMP-40"].revision, state.boms["GRS-40"].revision) == ("B", "C")
        assert_postings_cover(planned, activated)
        assert unconverged(target, eco, US01) == []
        assert plan_for(target, eco, US01).is_empty

    def test_a_staged_first_release_keeps_its_boms_and_routings_out_of_use(
        self, target: ErpTarget
    ) -> None:
        release = release_package()
        _, staged = stage_for(target, release, US01)
        state = read_for(target, release, US01)
        # Items are new, so nothing uses them yet; a BOM or routing would be in use at once.
        assert set(state.items) == set(derive(release, US01).items)
        assert (state.boms, state.routings) == ({}, {})
        _, activated = sync(target, release, US01)
        assert _revision_ids(activated) == _revision_ids(staged)
        assert {kind for kind, _ in _revision_ids(staged)} == {ObjectKind.BOM, ObjectKind.ROUTING}
        assert plan_for(target, release, US01).is_empty

    def test_a_staged_routing_revision_is_put_in_use_with_its_bom(self, target: ErpTarget) -> None:
        release = release_package()
        sync(target, release, US01)
        revised = revise(with_routing_operation(release, "PMP-40", "B", "Paint"), "PMP-40", "B")
        revised = renumber(revised, "ECO-T400")
        _, staged = stage_for(target, revised, US01)
        assert target.read({"PMP-40"}).routings["PMP-40"].revision == "A"
        assert (ObjectKind.ROUTING, "PMP-40") in _revision_ids(staged)
        _, activated = sync(target, revised, US01)
        assert _revision_ids(activated) == _revision_ids(staged)
        routing = target.read({"PMP-40"}).routings["PMP-40"]
        assert (routing.revision, routing.operations[-1].operation) == ("B", "Paint")
        assert plan_for(target, revised, US01).is_empty

    # --- ambiguous outcomes -------------------------------------------------------------

    def test_after_a_timeout_that_hid_a_commit_replanning_converges_on_the_same_records(
        self, target: ErpTarget
    ) -> None:
        release, eco = release_package(), eco_package()
        sync(target, release, US01)
        faulty = FaultyErp(target, commit_then_timeout=1.0)
        planned = plan_for(faulty, eco, US01)
        with pytest.raises(TransientError, match="after the ERP committed"):
            faulty.apply(ref_of(eco, US01), planned.steps)
        (unreported,) = faulty.unreported
        # The worker cannot know the ECO went through: it reads again and finds it there.
        assert plan_for(target, eco, US01).is_empty
        # A worker that retries the very same steps instead lands on the very same records.
        retried = target.apply(ref_of(eco, US01), planned.steps)
        assert _record_ids(retried) == _record_ids(unreported)
        assert unconverged(target, eco, US01) == []

    def test_timeouts_that_hid_staging_and_activation_leave_one_record_per_revision(
        self, target: ErpTarget
    ) -> None:
        release, eco = release_package(), eco_package()
        sync(target, release, US01)
        faulty = FaultyErp(target, commit_then_timeout=1.0)
        with pytest.raises(TransientError):
            stage_for(faulty, eco, US01)
        _, restaged = stage_for(target, eco, US01)  # staging retried on a fresh plan
        with pytest.raises(TransientError):
            sync(faulty, eco, US01)
        staged, activated = faulty.unreported
        assert _revision_ids(restaged) == _revision_ids(staged)
        assert _revision_ids(activated) == _revision_ids(staged)
        assert plan_for(target, eco, US01).is_empty
