"""Properties of the pure core over random multi-level products.

Graphs are acyclic by construction (a part only uses parts drawn before it) and their names
are shuffled, so alphabetical order never coincides with build order by luck.
"""

from __future__ import annotations

import datetime as dt
import graphlib
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from plmsync.domain.package import ChangePackage
from plmsync.domain.plan import Action, Plan
from plmsync.domain.state import (
    BomLineRecord,
    BomRecord,
    DocumentRecord,
    ItemRecord,
    ObjectKind,
    Record,
    RoutingRecord,
    SourceRecord,
    TargetState,
    state_of,
)
from plmsync.pipeline.derive import PlantContext, derive
from plmsync.pipeline.plan import plan
from plmsync.pipeline.validate import find_cycles
from tests.unit import builders as b
from tests.unit.builders import operation

Graph = dict[str, tuple[str, ...]]

POOL = [f"P{n:02d}" for n in range(10)]
STRANGERS = ["X01", "X02", "X03"]  # items ERP holds that no package speaks for
SUPPLIERS = ["ACME", "GLOBEX", "INITECH"]
PLANTS = (PlantContext("US01", "NA", b.CUT_OVER), PlantContext("DE01", "EU", dt.date(2026, 6, 1)))

# Strategies are built once, here: building them inside draws costs more than drawing.
revisions = st.sampled_from("ABC")
quantities = st.integers(1, 500_000).map(lambda n: Decimal(n).scaleb(-3))  # 0.001 … 500.000
index = st.integers(0, 2**16)
mask = st.integers(0, 2 ** len(POOL + STRANGERS) - 1)
indexes = st.lists(index, min_size=1, max_size=4)
item_fields = st.tuples(
    revisions,
    st.sampled_from(["Pump", "Gear"]),
    st.sampled_from(["EA", "KG"]),
    st.sampled_from(["make", "buy"]),
)
line_fields = st.tuples(quantities, st.integers(0, 2))
one_of_three = st.integers(0, 2)
FAST = settings(max_examples=100, deadline=None)
SLOW = settings(max_examples=100, deadline=None)


def chosen(values: list[str], bits: int) -> list[str]:
    return [v for n, v in enumerate(values) if bits >> n & 1]


# --- graphs ------------------------------------------------------------------------------------


@st.composite
def bom_graphs(draw: st.DrawFn, pool: tuple[str, ...] = tuple(POOL)) -> tuple[list[str], Graph]:
    """Item numbers, bottom-up, and the components each assembly uses."""
    shuffled = draw(st.permutations(pool))
    numbers = shuffled[: 2 + draw(index) % (len(pool) - 1)]
    graph: Graph = {}
    for position, parent in enumerate(numbers[1:], start=1):
        if draw(index) % 4:  # three in four parts above the bottom are assemblies
            kids = dict.fromkeys(numbers[i % position] for i in draw(indexes))
            graph[parent] = tuple(kids)
    return numbers, graph


# --- random ERP states ---------------------------------------------------------------------


def item_record(draw: st.DrawFn, number: str) -> ItemRecord:
    revision, name, uom, make_buy = draw(item_fields)
    return ItemRecord(number, revision, name, uom, "part", make_buy)


def bom_record(draw: st.DrawFn, parent: str, kids: tuple[str, ...]) -> BomRecord:
    lines = []
    for n, kid in enumerate(kids):
        quantity, designators = draw(line_fields)
        lines.append(
            BomLineRecord(
                10 * (n + 1), kid, quantity, "EA", tuple(f"R{d}" for d in range(designators))
            )
        )
    return BomRecord(parent, draw(revisions), tuple(lines))


@st.composite
def target_states(draw: st.DrawFn, numbers: list[str], graph: Graph) -> TargetState:
    records: list[Record] = [item_record(draw, n) for n in numbers]
    records += [bom_record(draw, parent, kids) for parent, kids in graph.items()]
    records += [RoutingRecord(n, draw(revisions), ()) for n in chosen(numbers, draw(mask))]
    records += [
        DocumentRecord(n, doc, draw(revisions), doc, "drawing", f"https://plm/{doc}")
        for n in chosen(numbers, draw(mask))
        for doc in chosen(["DRW-1", "DRW-2", "SPEC"], draw(mask))
    ]
    records += [
        SourceRecord(n, supplier, "Maker", f"M-{n}", "preferred" if draw(index) % 2 else "approved")
        for n in chosen(numbers, draw(mask))
        for supplier in chosen(SUPPLIERS, draw(mask))
    ]
    return state_of(records)


@st.composite
def desired_and_actual(draw: st.DrawFn) -> tuple[TargetState, TargetState]:
    """What a plant should hold, and an ERP that holds some of it, other versions of some of
    it, none of the rest, plus records of items no package speaks for."""
    numbers, graph = draw(bom_graphs())
    desired = draw(target_states(numbers, graph))
    noise_numbers, noise_graph = draw(bom_graphs(tuple(POOL + STRANGERS)))
    noise = draw(target_states(noise_numbers, noise_graph))
    records = []
    for kind in ObjectKind:
        want, other = desired.of_kind(kind), noise.of_kind(kind)
        for key in sorted(set(want) | set(other)):
            pick = (want, other, {})[draw(one_of_three)]
            if key in pick:
                records.append(pick[key])
    return desired, state_of(records)


# --- a pure ERP simulator --------------------------------------------------------------------


def apply(p: Plan, actual: TargetState) -> TargetState:
    """Post each actionable step onto a copy of `actual`, as an ERP would. Refuses a BOM whose
    components do not exist yet, like any ERP with referential integrity."""
    tables = {kind: actual.of_kind(kind) for kind in ObjectKind}
    for step in p.actionable:
        if step.action is Action.RETIRE:
            del tables[step.kind][step.key]
            continue
        assert step.desired is not None
        if isinstance(step.desired, BomRecord):
            missing = step.desired.components - set(tables[ObjectKind.ITEM])
            assert not missing, f"BOM {step.key} posted before its components {missing}"
        tables[step.kind][step.key] = step.desired
    return state_of([record for table in tables.values() for record in table.values()])


@FAST
@given(desired_and_actual())
def test_apply_after_plan_converges(states: tuple[TargetState, TargetState]) -> None:
    desired, actual = states

    after = apply(plan("ECO-1", "US01", desired, actual), actual)

    assert plan("ECO-1", "US01", desired, after).is_empty
    for kind in ObjectKind:
        held = after.of_kind(kind)
        assert all(held[key] == record for key, record in desired.of_kind(kind).items())


@FAST
@given(desired_and_actual())
def test_a_plan_leaves_items_it_does_not_speak_for_alone(
    states: tuple[TargetState, TargetState],
) -> None:
    desired, actual = states

    p = plan("ECO-1", "US01", desired, actual)

    spoken_for = desired.item_numbers
    assert all(s.key in desired.of_kind(s.kind) for s in p.steps if s.action is not Action.RETIRE)
    assert all(
        getattr(s.current, "item", "") in spoken_for for s in p.steps if s.action is Action.RETIRE
    )


@FAST
@given(desired_and_actual())
def test_components_and_child_boms_are_planned_before_their_parents(
    states: tuple[TargetState, TargetState],
) -> None:
    desired, actual = states

    steps = plan("ECO-1", "US01", desired, actual).steps

    position = {(s.kind, s.key): n for n, s in enumerate(steps)}
    kinds = [s.kind for s in steps]
    assert kinds == sorted(kinds, key=list(ObjectKind).index)
    for n, step in enumerate(steps):
        if isinstance(step.desired, BomRecord):
            for component in step.desired.components:
                assert position.get((ObjectKind.ITEM, component), -1) < n
                assert position.get((ObjectKind.BOM, component), -1) < n


@FAST
@given(desired_and_actual())
def test_planning_is_deterministic(states: tuple[TargetState, TargetState]) -> None:
    desired, actual = states
    reversed_desired = state_of(
        list(reversed([r for kind in ObjectKind for r in desired.of_kind(kind).values()]))
    )

    first = plan("ECO-1", "US01", desired, actual)
    second = plan("ECO-1", "US01", reversed_desired, actual)

    assert first == second
    assert [s.idempotency_key("ECO-1", "US01") for s in first.steps] == [
        s.idempotency_key("ECO-1", "US01") for s in second.steps
    ]


# --- random change packages --------------------------------------------------------------------

dates = st.dates(dt.date(2026, 4, 1), dt.date(2026, 7, 1)).map(dt.date.isoformat)
line_options: st.SearchStrategy[dict[str, Any]] = st.fixed_dictionaries(
    {},
    optional={
        "plants": st.lists(st.sampled_from(["US01", "DE01"]), min_size=1, unique=True),
        "effective_from": dates,
        "effective_to": dates,
        "reference_designators": st.lists(st.sampled_from(["R1", "R2", "R10", "C3"]), unique=True),
    },
)
source_options: st.SearchStrategy[dict[str, Any]] = st.fixed_dictionaries(
    {},
    optional={
        "plants": st.lists(st.sampled_from(["US01", "DE01"]), unique=True),
        "regions": st.lists(st.sampled_from(["NA", "EU"]), unique=True),
        "status": st.sampled_from(["approved", "preferred", "disqualified", "obsolete"]),
    },
)


@st.composite
def package_dicts(draw: st.DrawFn) -> dict[str, Any]:
    numbers, graph = draw(bom_graphs())
    some = st.lists(st.sampled_from(numbers), unique=True, max_size=4)
    revision = {n: draw(revisions) for n in numbers}
    boms = [
        b.bom(
            parent,
            *(
                b.line(10 * (k + 1), kid, str(draw(quantities)), **draw(line_options))
                for k, kid in enumerate(kids)
            ),
            revision=revision[parent],
        )
        for parent, kids in graph.items()
    ]
    return b.package_dict(
        items=[b.item(n, revision[n], make_buy="make" if n in graph else "buy") for n in numbers],
        boms=boms,
        routings=[
            b.routing(n, plant, operation(20), operation(10))
            for n in draw(some)
            for plant in ("US01", "DE01")
        ],
        documents=[b.document(f"DRW-{n}", *draw(some)) for n in draw(some)],
        sources=[
            b.sourcing(n, supplier, **draw(source_options))
            for n in draw(some)
            for supplier in draw(st.lists(st.sampled_from(SUPPLIERS), unique=True))
        ],
        plants=(b.plant("US01"), b.plant("DE01", PLANTS[1].effective_from or b.CUT_OVER)),
    )


@SLOW
@given(package_dicts(), st.randoms(use_true_random=False))
def test_derive_is_deterministic_and_independent_of_item_and_bom_order(
    data: dict[str, Any], random: Any
) -> None:
    package = ChangePackage.model_validate(data)
    random.shuffle(data["items"])
    random.shuffle(data["boms"])
    shuffled = ChangePackage.model_validate(data)

    for plant in PLANTS:
        view = derive(package, plant)
        assert derive(package, plant) == view
        assert derive(shuffled, plant) == view
        assert plan("E", plant.plant, derive(shuffled, plant), TargetState()) == plan(
            "E", plant.plant, view, TargetState()
        )


@SLOW
@given(package_dicts())
def test_a_derived_view_planned_onto_an_empty_erp_converges(data: dict[str, Any]) -> None:
    package = ChangePackage.model_validate(data)

    for plant in PLANTS:
        desired = derive(package, plant)
        after = apply(plan("E", plant.plant, desired, TargetState()), TargetState())
        assert after == desired


# --- cycles ----------------------------------------------------------------------------------


@st.composite
def any_graphs(draw: st.DrawFn) -> dict[str, list[str]]:
    names = POOL[: draw(st.integers(1, 8))]
    parents = draw(st.lists(st.sampled_from(names), unique=True, min_size=1))
    return {p: draw(st.lists(st.sampled_from(names), max_size=3)) for p in parents}


def has_cycle(graph: dict[str, list[str]]) -> bool:
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError:
        return True
    return False


@FAST
@given(any_graphs())
def test_find_cycles_finds_a_cycle_exactly_when_there_is_one(graph: dict[str, list[str]]) -> None:
    cycles = find_cycles(graph)

    assert bool(cycles) == has_cycle(graph)
    for cycle in cycles:  # each reported cycle is a real closed path
        for node, following in zip(cycle, [*cycle[1:], cycle[0]], strict=True):
            assert following in graph[node]
