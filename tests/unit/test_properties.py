"""Properties of the pure core over random multi-level products.

Graphs are acyclic by construction (a part only uses parts drawn before it) and their names
are shuffled, so alphabetical order never coincides with build order by luck.
"""

from __future__ import annotations

import datetime as dt
import graphlib
from dataclasses import replace
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
STRANGERS = ["X01", "X02"]  # items ERP holds that no package speaks for
SUPPLIERS = ["ACME", "GLOBEX", "INITECH"]
DOCUMENTS = ["DRW-1", "DRW-2", "SPEC"]
PLANTS = (PlantContext("US01", "NA", b.CUT_OVER), PlantContext("DE01", "EU", dt.date(2026, 6, 1)))

# Strategies are built once, here: building them inside draws costs more than drawing. Draws
# are few and map directly onto what they choose, so a failure shrinks in seconds.
revisions = st.sampled_from("ABC")
quantities = st.integers(1, 500_000).map(lambda n: Decimal(n).scaleb(-3))  # 0.001 … 500.000
sizes = st.integers(2, len(POOL))
subsets = st.lists(st.integers(0, len(POOL) - 1), max_size=4, unique=True)
kid_positions = st.lists(st.integers(0, len(POOL)), min_size=1, max_size=4, unique=True)
item_fields = st.tuples(
    revisions, st.sampled_from(["Pump", "Gear"]), st.sampled_from(["make", "buy"])
)
line_fields = st.tuples(quantities, st.integers(0, 2))
supplier_sets = st.lists(st.sampled_from(SUPPLIERS), max_size=2, unique=True)
document_sets = st.lists(st.sampled_from(DOCUMENTS), max_size=2, unique=True)
# What ERP holds of each desired record: 0 the same, 1 nothing, 2 another version.
fates = st.integers(0, 2)
extras = st.lists(
    st.tuples(
        st.sampled_from(POOL + STRANGERS), st.sampled_from(SUPPLIERS), st.sampled_from(DOCUMENTS)
    ),
    max_size=4,
)
FAST = settings(max_examples=75, deadline=None)
SLOW = settings(max_examples=50, deadline=None)


def picked(values: list[str], positions: list[int]) -> list[str]:
    return [values[p] for p in sorted(positions) if p < len(values)]


# --- graphs ------------------------------------------------------------------------------------


@st.composite
def bom_graphs(draw: st.DrawFn) -> tuple[list[str], Graph]:
    """Item numbers, bottom-up, and the components each assembly uses."""
    numbers = draw(st.permutations(POOL))[: draw(sizes)]
    graph: Graph = {}
    for position, parent in enumerate(numbers[1:], start=1):
        kids = picked(numbers[:position], draw(kid_positions))
        if kids:
            graph[parent] = tuple(kids)
    return numbers, graph


# --- random ERP states ---------------------------------------------------------------------


def item_record(draw: st.DrawFn, number: str) -> ItemRecord:
    revision, name, make_buy = draw(item_fields)
    return ItemRecord(number, revision, name, "EA", "part", make_buy)


def bom_record(draw: st.DrawFn, parent: str, kids: tuple[str, ...]) -> BomRecord:
    lines = []
    for n, kid in enumerate(kids):
        quantity, designators = draw(line_fields)
        designated = tuple(f"R{d}" for d in range(designators))
        lines.append(BomLineRecord(10 * (n + 1), kid, quantity, "EA", designated))
    return BomRecord(parent, draw(revisions), tuple(lines))


def document_record(number: str, item: str, revision: str = "A") -> DocumentRecord:
    return DocumentRecord(item, number, revision, number, "drawing", f"https://plm/{number}")


@st.composite
def target_states(draw: st.DrawFn) -> TargetState:
    numbers, graph = draw(bom_graphs())
    records: list[Record] = [item_record(draw, n) for n in numbers]
    records += [bom_record(draw, parent, kids) for parent, kids in graph.items()]
    records += [RoutingRecord(n, draw(revisions), ()) for n in picked(numbers, draw(subsets))]
    records += [
        document_record(doc, n, draw(revisions))
        for n in picked(numbers, draw(subsets))
        for doc in draw(document_sets)
    ]
    records += [
        SourceRecord(n, supplier, "Maker", f"M-{n}")
        for n in picked(numbers, draw(subsets))
        for supplier in draw(supplier_sets)
    ]
    declared = {  # items whose every document / source the package lists, even if none here
        ObjectKind.DOCUMENT: frozenset(picked(numbers, draw(subsets))),
        ObjectKind.SOURCE: frozenset(picked(numbers, draw(subsets))),
    }
    return replace(state_of(records), complete_for=declared)


def other_version(record: Record) -> Record:
    """The same object as ERP might hold it from an earlier change."""
    match record:
        case ItemRecord():
            return replace(record, name=record.name + " (old)")
        case BomRecord(lines=lines) if len(lines) > 1:  # same revision, other lines: update
            return replace(record, lines=(replace(lines[0], quantity=lines[0].quantity + 1),))
        case BomRecord() | RoutingRecord() | DocumentRecord():  # earlier revision: supersede
            return replace(record, revision=record.revision + "0")
        case SourceRecord():
            return replace(record, status="preferred")
    raise AssertionError(record)


@st.composite
def desired_and_actual(draw: st.DrawFn) -> tuple[TargetState, TargetState]:
    """What a plant should hold, and an ERP that holds some of it, other versions of some of
    it, none of the rest, plus sources and documents the package does not list, for items it
    speaks for and for items it does not."""
    desired = draw(target_states())
    held: list[Record] = []
    for kind in ObjectKind:
        for record in desired.of_kind(kind).values():
            held += [[record], [], [other_version(record)]][draw(fates)]
    for item, supplier, document in draw(extras):
        held += [
            SourceRecord(item, supplier, "Maker", f"OLD-{item}"),
            document_record(f"OLD-{document}", item),
        ]
    held += [ItemRecord(x, "A", "Stranger", "EA", "part", "buy") for x in STRANGERS]
    held += [BomRecord(STRANGERS[1], "A", (BomLineRecord(10, STRANGERS[0], Decimal(1), "EA"),))]
    return desired, state_of(held)


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
    for kind in (ObjectKind.DOCUMENT, ObjectKind.SOURCE):  # complete per item: no extras left
        wanted = desired.of_kind(kind)
        spoken_for = {item_of(r) for r in wanted.values()} | desired.complete_for.get(kind, set())
        extras = {k for k, r in after.of_kind(kind).items() if item_of(r) in spoken_for}
        assert extras <= set(wanted)


def item_of(record: Record) -> str:
    return str(getattr(record, "item", ""))


@FAST
@given(desired_and_actual())
def test_a_plan_leaves_items_it_does_not_speak_for_alone(
    states: tuple[TargetState, TargetState],
) -> None:
    desired, actual = states

    p = plan("ECO-1", "US01", desired, actual)

    assert all(s.key in desired.of_kind(s.kind) for s in p.steps if s.action is not Action.RETIRE)
    for step in (s for s in p.steps if s.action is Action.RETIRE):
        kind = step.kind
        spoken_for = {item_of(r) for r in desired.of_kind(kind).values()}
        spoken_for |= desired.complete_for.get(kind, frozenset())
        assert kind in (ObjectKind.DOCUMENT, ObjectKind.SOURCE)
        assert step.key not in desired.of_kind(kind)
        assert step.current is not None and item_of(step.current) in spoken_for


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
    records = [r for kind in ObjectKind for r in desired.of_kind(kind).values()]
    reversed_desired = replace(
        state_of(list(reversed(records))), complete_for=dict(desired.complete_for)
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
