"""The package parser never crashes: any bytes, any JSON document, and any valid package with
one value replaced by arbitrary JSON either parse or raise `PackageRejected` with its code and
at least one problem saying what is wrong. An uncaught exception here would be a worker
crash on a payload, or a 500 from the API, instead of a dead letter someone can act on."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plmsync.domain.errors import PackageRejected
from plmsync.domain.package import ChangePackage
from plmsync.pipeline.fetch import parse_package
from plmsync.testing.packages import release_package
from tests.properties.strategies import releases

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


def parsed_or_rejected(raw: bytes) -> ChangePackage | PackageRejected:
    try:
        return parse_package(raw)
    except PackageRejected as rejected:
        return rejected


def assert_clear_rejection(outcome: ChangePackage | PackageRejected) -> None:
    assert isinstance(outcome, PackageRejected), "an arbitrary document parsed as a package"
    assert outcome.code == "PLMSYNC-PACKAGE-INVALID"
    assert outcome.problems, "a rejection must say what is wrong"


@FUZZ
@given(st.binary(max_size=300))
def test_arbitrary_bytes_are_rejected_with_a_code(raw: bytes) -> None:
    assert_clear_rejection(parsed_or_rejected(raw))


@FUZZ
@given(json_values)
def test_arbitrary_json_is_rejected_with_a_code(document: Any) -> None:
    assert_clear_rejection(parsed_or_rejected(json.dumps(document).encode()))


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document a value sits (the document itself excluded)."""
    found: list[tuple[Any, ...]] = []
    children = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, child in children:
        found.append((*prefix, key))
        found.extend(paths(child, (*prefix, key)))
    return found


def replaced(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(document, dict):
        return {**document, head: replaced(document[head], rest, value)}
    return [replaced(v, rest, value) if i == head else v for i, v in enumerate(document)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(releases, st.integers(min_value=0), json_values)
def test_a_package_with_one_value_replaced_parses_or_is_rejected_with_a_code(
    release: ChangePackage, place: int, value: Any
) -> None:
    document = json.loads(release.model_dump_json())
    every_place = paths(document)
    path = every_place[place % len(every_place)]

    outcome = parsed_or_rejected(json.dumps(replaced(document, path, value)).encode())

    if isinstance(outcome, PackageRejected):
        assert outcome.code == "PLMSYNC-PACKAGE-INVALID" and outcome.problems
    else:  # the value happened to be valid there (e.g. another title): a sound package,
        # whose own JSON reads back as the same package
        assert parse_package(outcome.model_dump_json().encode()) == outcome


# Found by the property above: a fractional JSON number in an item's free-form `attributes`
# was read as Decimal and written back as a JSON string, so it read back as text.
@pytest.mark.parametrize("value", [0.5, 12, 1e-7, [0.25, {"g": 3.5}], "0.5"])
def test_a_free_form_attribute_survives_a_json_round_trip(value: object) -> None:
    document = json.loads(release_package().model_dump_json())
    document["items"][0]["attributes"] = {"mass_kg": value}
    package = parse_package(json.dumps(document).encode())

    assert parse_package(package.model_dump_json().encode()) == package


@FUZZ
@given(st.text(alphabet='{}[]",:0123456789.eE-+ truefalsn\\u', max_size=80))
def test_json_like_text_never_crashes(text: str) -> None:
    assert_clear_rejection(parsed_or_rejected(text.encode()))
