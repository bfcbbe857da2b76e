"""derive: the ERP objects one plant should hold, with its plant rules applied."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from plmsync.domain.package import ChangePackage
from plmsync.domain.state import (
    BomLineRecord,
    BomRecord,
    DocumentRecord,
    ItemRecord,
    OperationRecord,
    RoutingRecord,
    SourceRecord,
)
from plmsync.pipeline.derive import derive
from tests.unit import builders as b

JUNE = dt.date(2026, 6, 1)


def find_numbers(package: ChangePackage, parent: str = "A", **plant: Any) -> list[int]:
    return [ln.find_number for ln in derive(package, b.at(**plant)).boms[parent].lines]


def one_bom(*lines: dict[str, Any]) -> ChangePackage:
    components = sorted({ln["component"] for ln in lines})
    return b.package(
        items=[b.item("A"), *(b.item(c) for c in components)], boms=[b.bom("A", *lines)]
    )


# --- the example, whole ----------------------------------------------------------------------


def test_the_example_as_seen_by_us01() -> None:
    view = derive(b.example_package(), b.at("US01"))

    assert view.items["PMP-40"] == ItemRecord(
        "PMP-40", "A", "Gear pump GP-40", "EA", "assembly", "make"
    )
    assert view.items["OIL-68"].uom == "L"
    assert len(view.items) == 7
    assert view.boms["PMP-40"] == BomRecord(
        "PMP-40",
        "A",
        (
            BomLineRecord(10, "HSG-40", Decimal("1"), "EA"),
            BomLineRecord(20, "GRS-40", Decimal("1"), "EA"),
            BomLineRecord(30, "SCR-M5X16", Decimal("6"), "EA"),
            BomLineRecord(40, "OIL-68", Decimal("0.05"), "L"),
        ),
    )
    assert view.routings == {
        "PMP-40": RoutingRecord(
            "PMP-40",
            "A",
            (
                OperationRecord(10, "Install gear set", "ASSY-US"),
                OperationRecord(20, "Leak test", "TEST-US"),
            ),
        )
    }
    assert view.documents == {
        "PMP-40/DRW-40": DocumentRecord(
            "PMP-40",
            "DRW-40",
            "A",
            "Gear pump assembly drawing",
            "drawing",
            "https://plm.example.com/docs/DRW-40/A",
        )
    }
    assert view.sources == {
        "GR-401/Gear Distribution Inc/ZR-401-A": SourceRecord(
            "GR-401", "Gear Distribution Inc", "Zahnrad GmbH", "ZR-401-A", "approved"
        )
    }


def test_the_example_as_seen_by_de01_differs_only_in_plant_rules() -> None:
    us, de = (derive(b.example_package(), b.at(p)) for p in ("US01", "DE01"))

    assert (de.items, de.boms, de.documents) == (us.items, us.boms, us.documents)
    assert [op.work_center for op in de.routings["PMP-40"].operations] == ["MONTAGE-DE"]
    assert list(de.sources) == ["GR-401/Zahnrad GmbH/ZR-401-A"]


def test_items_keep_only_plm_owned_attributes() -> None:
    package = b.package(items=[b.item("A", description="cast", attributes={"cost": 12})])

    record = derive(package, b.at()).items["A"]

    assert record == ItemRecord("A", "A", "Item A", "EA", "part", "buy", "cast")
    assert type(record.item_type) is str  # enum values, not enum members


# --- BOM lines: plants and effectivity ------------------------------------------------------


def test_lines_are_filtered_by_plant() -> None:
    package = one_bom(
        b.line(10, "B"), b.line(20, "C", plants=["DE01"]), b.line(30, "D", plants=["US01", "DE01"])
    )

    assert find_numbers(package, code="US01") == [10, 30]
    assert find_numbers(package, code="DE01") == [10, 20, 30]


@pytest.mark.parametrize(
    ("line_dates", "kept"),
    [
        ({}, True),
        ({"effective_from": "2026-05-04"}, True),
        ({"effective_from": "2026-05-05"}, True),  # starts on the cut-over day
        ({"effective_from": "2026-05-06"}, False),  # not yet valid
        ({"effective_to": "2026-05-05"}, False),  # ends on the cut-over day: gone
        ({"effective_to": "2026-05-06"}, True),
        ({"effective_from": "2026-01-01", "effective_to": "2026-05-04"}, False),
    ],
)
def test_lines_by_effectivity_relative_to_the_plants_cut_over(
    line_dates: dict[str, str], kept: bool
) -> None:
    package = one_bom(b.line(10, "B"), b.line(20, "C", **line_dates))

    assert find_numbers(package, effective_from=b.CUT_OVER) == ([10, 20] if kept else [10])


def test_phased_effectivity_gives_each_plant_its_own_lines() -> None:
    package = one_bom(
        b.line(10, "OLD", effective_to=JUNE.isoformat()),
        b.line(20, "NEW", effective_from=JUNE.isoformat()),
    )

    assert find_numbers(package, code="US01", effective_from=b.CUT_OVER) == [10]
    assert find_numbers(package, code="DE01", effective_from=JUNE) == [20]


def test_without_a_cut_over_date_every_dated_line_is_kept() -> None:
    package = one_bom(
        b.line(10, "OLD", effective_to=JUNE.isoformat()),
        b.line(20, "NEW", effective_from=JUNE.isoformat()),
    )

    assert find_numbers(package, effective_from=None) == [10, 20]


def test_lines_are_sorted_by_find_number() -> None:
    package = one_bom(b.line(30, "B"), b.line(5, "C"), b.line(100, "D"), b.line(20, "E"))

    assert find_numbers(package) == [5, 20, 30, 100]


def test_reference_designators_sort_naturally() -> None:
    package = one_bom(
        b.line(10, "RES", "6", reference_designators=["R10", "R2", "C1", "R1", "R02", "U1A", "R"])
    )

    line = derive(package, b.at()).boms["A"].lines[0]

    assert line.reference_designators == ("C1", "R", "R1", "R02", "R2", "R10", "U1A")


def test_line_quantities_and_units_are_carried_exactly() -> None:
    package = b.package(
        items=[b.item("A"), b.item("OIL", uom="L")],
        boms=[b.bom("A", b.line(10, "OIL", "0.050", uom="L"))],
    )

    line = derive(package, b.at()).boms["A"].lines[0]

    assert (line.quantity.as_tuple(), line.uom) == (Decimal("0.050").as_tuple(), "L")


def test_a_bom_whose_lines_all_belong_elsewhere_is_kept_empty() -> None:
    package = one_bom(b.line(10, "B", plants=["DE01"]))

    assert derive(package, b.at("US01")).boms["A"] == BomRecord("A", "A", ())


# --- routings, documents ----------------------------------------------------------------------


def test_a_routing_goes_only_to_its_plant() -> None:
    package = b.package(
        items=[b.item("A"), b.item("B")],
        plants=(b.plant("US01"), b.plant("DE01")),
        routings=[
            b.routing("A", "US01", b.operation(20, "PAINT"), b.operation(10, "CUT")),
            b.routing("B", "DE01"),
        ],
    )

    us, de = derive(package, b.at("US01")), derive(package, b.at("DE01"))

    assert list(us.routings) == ["A"]
    assert [op.work_center for op in us.routings["A"].operations] == ["CUT", "PAINT"]
    assert list(de.routings) == ["B"]


def test_operation_times_are_carried() -> None:
    package = b.package(
        items=[b.item("A")],
        routings=[b.routing("A", "US01", b.operation(10, setup_time="15", run_time="2.5"))],
    )

    (op,) = derive(package, b.at()).routings["A"].operations

    assert (op.setup_time, op.run_time) == (Decimal("15"), Decimal("2.5"))


def test_a_document_linked_to_two_items_yields_two_records() -> None:
    package = b.package(
        items=[b.item("A"), b.item("B")],
        documents=[b.document("SPEC-9", "A", "B", revision="C", doc_type="specification")],
    )

    documents = derive(package, b.at()).documents

    assert sorted(documents) == ["A/SPEC-9", "B/SPEC-9"]
    assert {d.item for d in documents.values()} == {"A", "B"}
    assert all(
        (d.number, d.revision, d.doc_type) == ("SPEC-9", "C", "specification")
        for d in documents.values()
    )


def test_a_document_linked_to_no_item_yields_nothing() -> None:
    package = b.package(items=[b.item("A")], documents=[b.document("MEMO-1")])

    assert derive(package, b.at()).documents == {}


# --- sources (AML / AVL) ----------------------------------------------------------------------


def source_keys(package: ChangePackage, code: str = "US01", region: str = "") -> list[str]:
    return sorted(derive(package, b.at(code, region=region)).sources)


def with_sources(*sources: dict[str, Any]) -> ChangePackage:
    return b.package(items=[b.item("B")], sources=list(sources))


def test_a_source_without_plants_or_regions_serves_every_plant() -> None:
    package = with_sources(b.sourcing("B", "ACME", "M-1"))

    assert source_keys(package, "US01") == source_keys(package, "DE01") == ["B/ACME/M-1"]


def test_sources_by_plant() -> None:
    package = with_sources(
        b.sourcing("B", "ACME", "M-1", plants=["US01"]),
        b.sourcing("B", "GLOBEX", "M-1", plants=["DE01"]),
    )

    assert source_keys(package, "US01") == ["B/ACME/M-1"]
    assert source_keys(package, "DE01") == ["B/GLOBEX/M-1"]


def test_sources_by_region() -> None:
    package = with_sources(
        b.sourcing("B", "ACME", "M-1", regions=["NA"]),
        b.sourcing("B", "GLOBEX", "M-1", regions=["EU"]),
        b.sourcing("B", "INITECH", "M-2", plants=["MX01"], regions=["EU"]),
    )

    assert source_keys(package, "US01", region="NA") == ["B/ACME/M-1"]
    assert source_keys(package, "DE01", region="EU") == ["B/GLOBEX/M-1", "B/INITECH/M-2"]
    assert source_keys(package, "MX01", region="LATAM") == ["B/INITECH/M-2"]
    assert source_keys(package, "XX01") == []  # a plant without region matches no region


@pytest.mark.parametrize(
    ("status", "kept"),
    [
        ("approved", True),
        ("preferred", True),
        ("conditional", True),
        ("disqualified", False),
        ("obsolete", False),
    ],
)
def test_only_buyable_sources_are_kept(status: str, kept: bool) -> None:
    package = with_sources(b.sourcing("B", "ACME", "M-1", status=status))

    sources = derive(package, b.at()).sources

    assert list(sources) == (["B/ACME/M-1"] if kept else [])
    assert all(s.status == status for s in sources.values())


# --- purity --------------------------------------------------------------------------------


def test_derive_is_deterministic_and_leaves_the_package_alone() -> None:
    package = b.example_package()
    before = package.model_dump()

    first, second = derive(package, b.at("DE01")), derive(package, b.at("DE01"))

    assert first == second
    assert package.model_dump() == before
