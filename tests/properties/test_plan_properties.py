"""apply∘plan converges on the fake ERP, plans respect dependencies, derivation is
deterministic — over generated releases and ECOs (tests/properties/strategies.py).

Unlike tests/unit/test_properties.py, which applies plans to a plain dict of records, these
post through `InMemoryErp`, the fake that passes the shipped ERP contract suite, so its
storage rules (a new BOM revision goes first, superseded documents go inactive, a write
referring to a missing product is refused) are part of what must converge.
"""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings

from plmsync.domain.package import ChangePackage
from plmsync.domain.plan import Plan
from plmsync.domain.state import BomRecord, ObjectKind, TargetState
from plmsync.pipeline.derive import PlantContext, derive
from plmsync.pipeline.fetch import parse_package
from plmsync.pipeline.plan import plan
from plmsync.ports.erp import ChangeRef
from plmsync.testing.fake_erp import InMemoryErp
from tests.properties.strategies import plants, release_and_eco, releases

PACKAGES = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def plan_against(erp: InMemoryErp, package: ChangePackage, plant: PlantContext) -> Plan:
    desired = derive(package, plant)
    return plan(package.change.number, plant.plant, desired, erp.read(desired.item_numbers))


def post(erp: InMemoryErp, package: ChangePackage, plant: PlantContext) -> Plan:
    planned = plan_against(erp, package, plant)
    erp.apply(ChangeRef(package.change.number, plant.plant), planned.actionable)
    return planned


def assert_holds(erp: InMemoryErp, desired: TargetState) -> None:
    held = erp.read(desired.item_numbers)
    for kind in ObjectKind:
        wanted = desired.of_kind(kind)
        assert {k: held.of_kind(kind).get(k) for k in wanted} == wanted, kind


@PACKAGES
@given(releases, plants)
def test_a_release_posted_to_the_fake_erp_plans_to_nothing_afterwards(
    release: ChangePackage, plant: PlantContext
) -> None:
    erp = InMemoryErp()

    first = post(erp, release, plant)

    assert not first.is_empty
    assert plan_against(erp, release, plant).is_empty
    assert_holds(erp, derive(release, plant))


@PACKAGES
@given(release_and_eco(), plants)
def test_an_eco_on_top_of_its_release_converges_and_a_replay_writes_nothing(
    packages: tuple[ChangePackage, ChangePackage], plant: PlantContext
) -> None:
    release, eco = packages
    erp = InMemoryErp()
    post(erp, release, plant)

    post(erp, eco, plant)
    writes = erp.write_count
    replayed = post(erp, eco, plant)

    assert replayed.is_empty
    assert erp.write_count == writes
    assert_holds(erp, derive(eco, plant))


@PACKAGES
@given(release_and_eco(), plants)
def test_plans_post_what_a_record_refers_to_before_the_record(
    packages: tuple[ChangePackage, ChangePackage], plant: PlantContext
) -> None:
    release, eco = packages
    erp = InMemoryErp()
    for package in (release, eco):
        steps = plan_against(erp, package, plant).actionable
        erp.apply(ChangeRef(package.change.number, plant.plant), steps)

        position = {(s.kind, s.key): n for n, s in enumerate(steps)}
        order = list(ObjectKind)
        # Items, then BOMs, then routings, documents and sources: each kind after the ones
        # it can refer to.
        assert [order.index(s.kind) for s in steps] == sorted(order.index(s.kind) for s in steps)
        for n, step in enumerate(steps):
            if isinstance(step.desired, BomRecord):  # components and child BOMs first
                for component in step.desired.components:
                    assert position.get((ObjectKind.ITEM, component), -1) < n
                    assert position.get((ObjectKind.BOM, component), -1) < n


@PACKAGES
@given(releases, plants)
def test_derivation_is_deterministic_across_a_json_round_trip_and_reordering(
    release: ChangePackage, plant: PlantContext
) -> None:
    shuffled = release.model_copy(
        update={
            "items": tuple(random.Random(1).sample(release.items, len(release.items))),
            "boms": tuple(reversed(release.boms)),
            "sources": tuple(reversed(release.sources)),
        }
    )
    round_tripped = parse_package(release.model_dump_json().encode())

    first = derive(release, plant)

    assert derive(release, plant) == first
    assert derive(round_tripped, plant) == first
    assert derive(shuffled, plant) == first
