"""The change-package contract v1: what the edge accepts, rejects and how it reads numbers."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from plmsync.domain.errors import PackageRejected
from plmsync.domain.package import ChangePackage
from plmsync.pipeline.fetch import parse_package
from tests.unit import builders as b


def parse(data: dict[str, Any]) -> ChangePackage:
    return ChangePackage.model_validate_json(json.dumps(data))


def rejection(data: dict[str, Any]) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        parse(data)
    return caught.value


def with_oil_quantity(quantity: Any) -> dict[str, Any]:
    """The example with line 40 of PMP-40 (assembly oil, 0.05 L) given another quantity."""
    data = b.example_dict()
    data["boms"][0]["lines"][3]["quantity"] = quantity
    return data


def oil_quantity(package: ChangePackage) -> Decimal:
    return package.boms[0].lines[3].quantity


# --- the example -----------------------------------------------------------------------------


def test_the_example_package_validates_as_is() -> None:
    package = b.example_package()

    assert package.change.number == "REL-0007"
    assert package.plant_codes == ("US01", "DE01")
    assert [i.number for i in package.items][:2] == ["PMP-40", "GRS-40"]
    assert oil_quantity(package) == Decimal("0.05")
    assert package.source.emitted_at == dt.datetime(2026, 5, 4, 9, tzinfo=dt.UTC)


def test_the_example_round_trips_through_json() -> None:
    package = b.example_package()

    assert ChangePackage.model_validate_json(package.model_dump_json()) == package


# --- quantities are Decimal, never float ----------------------------------------------------


@pytest.mark.parametrize(
    ("given_as", "expected"),
    [
        ("0.05", Decimal("0.05")),  # JSON string
        (0.05, Decimal("0.05")),  # JSON number: still exactly 0.05, not 0.05000000000000000277…
        (6, Decimal("6")),
        ("1E-7", Decimal("1E-7")),
        (0.1 + 0.2, Decimal("0.30000000000000004")),  # the text JSON carries, nothing else
    ],
)
def test_quantities_become_exact_decimals(given_as: Any, expected: Decimal) -> None:
    quantity = oil_quantity(parse(with_oil_quantity(given_as)))

    assert type(quantity) is Decimal
    assert quantity == expected
    assert str(quantity) == str(expected)


def test_json_number_quantity_is_not_the_binary_float() -> None:
    assert oil_quantity(parse(with_oil_quantity(0.05))) != Decimal.from_float(0.05)


def test_every_quantity_field_is_decimal() -> None:
    data = b.package_dict(
        items=[b.item("A"), b.item("B")],
        boms=[
            b.bom(
                "A",
                b.line(
                    10, "B", 2.5, substitutes=[{"component": "B", "quantity": 0.25, "uom": "EA"}]
                ),
            )
        ],
        routings=[b.routing("A", "US01", b.operation(10, setup_time=1.5, run_time="0.75"))],
    )
    package = parse(data)
    line = package.boms[0].lines[0]
    op = package.routings[0].operations[0]

    values = [line.quantity, line.substitutes[0].quantity, op.setup_time, op.run_time]
    assert values == [Decimal("2.5"), Decimal("0.25"), Decimal("1.5"), Decimal("0.75")]
    assert all(type(v) is Decimal for v in values)


@pytest.mark.parametrize("quantity", ["NaN", "Infinity", "-Infinity", "sNaN", float("inf")])
def test_non_finite_quantities_are_rejected(quantity: Any) -> None:
    error = rejection(with_oil_quantity(quantity))

    assert error.errors()[0]["loc"] == ("boms", 0, "lines", 3, "quantity")


@settings(max_examples=100, deadline=None)
@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_a_quantity_given_as_a_string_is_kept_digit_for_digit(quantity: Decimal) -> None:
    parsed = oil_quantity(parse(with_oil_quantity(str(quantity))))

    assert parsed.as_tuple() == quantity.as_tuple()


@settings(max_examples=100, deadline=None)
@given(st.decimals(min_value=-(10**9), max_value=10**9, places=6, allow_nan=False))
def test_a_quantity_given_as_a_json_number_is_exact_up_to_15_digits(quantity: Decimal) -> None:
    text = json.dumps(with_oil_quantity("PLACEHOLDER")).replace('"PLACEHOLDER"', str(quantity))

    assert oil_quantity(ChangePackage.model_validate_json(text)) == quantity


def test_a_long_json_number_quantity_keeps_every_digit_at_the_edge() -> None:
    """pydantic's own JSON parser rounds through a binary float (pydantic-core#1688), so
    plmsync's edge reads JSON numbers as Decimal before validating."""
    text = json.dumps(with_oil_quantity("PLACEHOLDER")).replace(
        '"PLACEHOLDER"', "0.12345678901234567890123"
    )

    assert oil_quantity(parse_package(text.encode())) == Decimal("0.12345678901234567890123")


# --- timestamps, version, unknown fields ----------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [("source", "emitted_at"), ("change", "approved_at"), ("change", "approvals", 0, "at")],
)
def test_naive_timestamps_are_rejected(path: tuple[str | int, ...]) -> None:
    data = b.example_dict()
    target: Any = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = "2026-05-04T09:00:00"

    error = rejection(data)

    assert [e["loc"] for e in error.errors()] == [path]
    assert error.errors()[0]["type"] == "timezone_aware"


def test_timestamps_with_any_offset_are_accepted() -> None:
    data = b.example_dict()
    data["source"]["emitted_at"] = "2026-05-04T11:00:00+02:00"

    assert parse(data).source.emitted_at == dt.datetime(2026, 5, 4, 9, tzinfo=dt.UTC)


def test_schema_version_is_required() -> None:
    data = b.example_dict()
    del data["schema_version"]

    error = rejection(data)

    assert [(e["loc"], e["type"]) for e in error.errors()] == [(("schema_version",), "missing")]


@pytest.mark.parametrize("version", ["2", 1, "1.0", None])
def test_only_schema_version_1_is_read(version: Any) -> None:
    data = b.example_dict()
    data["schema_version"] = version

    assert rejection(data).errors()[0]["loc"] == ("schema_version",)


@pytest.mark.parametrize(
    ("container", "field"),
    [
        (("change",), "colour"),
        (("items", 2), "weight_kg"),
        (("boms", 0, "lines", 1), "qty"),
        (("boms", 0), "alternate"),
        (("documents", 0), "owner"),
        (("change", "plants", 0), "effective_form"),
    ],
)
def test_unknown_fields_are_rejected_naming_the_field(
    container: tuple[str | int, ...], field: str
) -> None:
    data = b.example_dict()
    target: Any = data
    for step in container:
        target = target[step]
    target[field] = "surprise"

    error = rejection(data)

    assert [(e["loc"], e["type"]) for e in error.errors()] == [
        ((*container, field), "extra_forbidden")
    ]
    assert field in str(error)


def test_source_keeps_extra_envelope_keys() -> None:
    data = b.example_dict()
    data["source"]["tenant"] = "acme"
    data["source"]["trace"] = {"span": "ab12"}

    source = parse(data).source

    assert source.model_extra == {"tenant": "acme", "trace": {"span": "ab12"}}


@pytest.mark.parametrize("blank", ["", "   ", "\t"])
def test_codes_are_never_blank(blank: str) -> None:
    data = b.example_dict()
    data["items"][0]["number"] = blank

    assert rejection(data).errors()[0]["loc"] == ("items", 0, "number")


def test_codes_are_trimmed() -> None:
    data = b.example_dict()
    data["items"][0]["number"] = "  PMP-40 "
    data["source"]["system"] = " plm-demo "

    package = parse(data)

    assert (package.items[0].number, package.source.system) == ("PMP-40", "plm-demo")


def test_every_problem_of_a_package_is_reported_at_once() -> None:
    data = b.example_dict()
    data["change"]["state"] = "finished"
    data["items"][0]["uom"] = None
    del data["boms"][1]["revision"]

    locs = {e["loc"] for e in rejection(data).errors()}

    assert locs == {("change", "state"), ("items", 0, "uom"), ("boms", 1, "revision")}


def test_a_package_is_immutable() -> None:
    package = b.example_package()

    with pytest.raises(ValidationError):
        package.change.number = "OTHER"  # type: ignore[misc]


# --- arbitrary input: a ValidationError, never anything else --------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=25,
)


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_arbitrary_json_validates_or_raises_validation_error(value: Any) -> None:
    with contextlib.suppress(ValidationError):
        ChangePackage.model_validate_json(json.dumps(value))


def _paths(value: Any, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


def _splice(data: Any, path: tuple[str | int, ...], value: Any) -> None:
    """Put `value` at `path`, unless an earlier splice already replaced part of that path."""
    target: Any = data
    with contextlib.suppress(KeyError, IndexError, TypeError):
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value


EXAMPLE_PATHS = _paths(b.example_dict())[1:]
plausible = st.sampled_from(
    ["1", "-1", "0", "1e999999", "2026-05-05", "2026-05-04T09:00:00Z", "EA", " ", "NaN"]
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(EXAMPLE_PATHS), json_values | plausible), min_size=1, max_size=3
    )
)
def test_an_example_with_arbitrary_json_spliced_in_validates_or_raises_validation_error(
    mutations: list[tuple[tuple[str | int, ...], Any]],
) -> None:
    data = b.example_dict()
    for path, value in mutations:
        _splice(data, path, value)

    try:
        package = ChangePackage.model_validate_json(json.dumps(data))
    except ValidationError:
        return
    assert all(type(line.quantity) is Decimal for bom in package.boms for line in bom.lines)


# --- the edge: bytes in, a package or PackageRejected out -----------------------------------


def with_find_number_text(number: str) -> bytes:
    text = json.dumps(with_oil_quantity("0.05")).replace(
        '"find_number": 10', f'"find_number": {number}', 1
    )
    return text.encode()


def test_the_edge_reads_the_example_like_the_contract_does() -> None:
    assert parse_package(b.example_json().encode()) == b.example_package()


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 100_000,  # nesting deeper than Python's JSON reader recurses
        b'{"a":' * 5_000 + b"1" + b"}" * 5_000,
        b'{"schema_version": ' + b"1" * 5_000 + b"}",  # past Python's int digit limit
        b"\xff\xfe\x00",
        b"",
    ],
    ids=["deep-array", "deep-object", "huge-int", "bad-bytes", "empty"],
)
def test_unreadable_bytes_are_rejected_not_crashed_on(raw: bytes) -> None:
    with pytest.raises(PackageRejected) as caught:
        parse_package(raw)

    assert caught.value.problems


@pytest.mark.parametrize("number", ["1e999999999", "1E-999999999", "-1e5000"])
def test_an_absurd_exponent_is_rejected_at_once(number: str) -> None:
    """Validated into an int field, 1e999999999 would build a billion-digit integer."""
    with pytest.raises(PackageRejected) as caught:
        parse_package(with_find_number_text(number))

    assert "out of range" in caught.value.problems[0]


def test_a_find_number_written_as_a_float_must_be_whole() -> None:
    assert parse_package(with_find_number_text("10.0")).boms[0].lines[0].find_number == 10
    with pytest.raises(PackageRejected):
        parse_package(with_find_number_text("10.5"))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(EXAMPLE_PATHS), json_values | plausible), min_size=1, max_size=3
    )
)
def test_the_edge_turns_any_json_into_a_package_or_a_rejection(
    mutations: list[tuple[tuple[str | int, ...], Any]],
) -> None:
    data = b.example_dict()
    for path, value in mutations:
        _splice(data, path, value)

    with contextlib.suppress(PackageRejected):
        package = parse_package(json.dumps(data).encode())
        assert all(type(ln.quantity) is Decimal for bom in package.boms for ln in bom.lines)
