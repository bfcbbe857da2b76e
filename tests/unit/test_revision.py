"""Revision order (natural compare) and regressions: the pure half of the revision guard."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plmsync.domain.revision import (
    Regression,
    compare_revisions,
    is_newer,
    regressions,
    sort_revisions,
)


@pytest.mark.parametrize(
    ("older", "newer"),
    [
        ("A", "B"),
        ("B", "C"),
        ("Y", "Z"),
        ("Z", "AA"),
        ("AA", "AB"),
        ("AZ", "BA"),
        ("01", "02"),
        ("2", "10"),
        ("09", "10"),
        ("1.2", "1.10"),
        ("A1", "A2"),
        ("A9", "A10"),
        ("01", "A"),  # numbered pre-production revisions come before lettered ones
        ("A", "A.1"),
    ],
)
def test_order(older: str, newer: str) -> None:
    assert compare_revisions(older, newer) == -1
    assert compare_revisions(newer, older) == 1
    assert is_newer(newer, older)
    assert not is_newer(older, newer)


@pytest.mark.parametrize(("a", "b"), [("A", "A"), ("a", "A"), ("01", "1"), (" B ", "B")])
def test_same_revision(a: str, b: str) -> None:
    assert compare_revisions(a, b) == 0
    assert not is_newer(a, b)


def test_an_empty_revision_is_never_newer() -> None:
    """A BOM made by hand in the ERP reads with revision "": it must not block a change."""
    assert not is_newer("", "A")
    assert not is_newer("  ", "01")


def test_sort_revisions() -> None:
    assert sort_revisions(["AA", "B", "10", "A", "02", "Z"]) == ["02", "10", "A", "B", "Z", "AA"]


revision = st.from_regex(r"[A-Z]{1,3}|[0-9]{1,3}|[A-Z][0-9]", fullmatch=True)


@given(revision, revision)
def test_compare_is_antisymmetric(a: str, b: str) -> None:
    assert compare_revisions(a, b) == -compare_revisions(b, a)


@given(revision, revision, revision)
def test_compare_is_transitive(a: str, b: str, c: str) -> None:
    if compare_revisions(a, b) <= 0 and compare_revisions(b, c) <= 0:
        assert compare_revisions(a, c) <= 0


def test_regressions_name_each_object_held_newer_elsewhere() -> None:
    ours = {("item", "GRS-40"): "B", ("item", "PMP-40"): "B", ("bom", "GRS-40"): "B"}
    erp = {("item", "GRS-40"): "C", ("item", "PMP-40"): "A", ("bom", "GRS-40"): "C"}
    found = regressions(ours, erp, "already in ERP")
    assert found == [
        Regression("bom", "GRS-40", "B", "C", "already in ERP"),
        Regression("item", "GRS-40", "B", "C", "already in ERP"),
    ]
    assert found[1].describe() == "item GRS-40 rev B is older than rev C already in ERP"


def test_no_regression_for_objects_only_one_side_has() -> None:
    assert regressions({("item", "NEW-1"): "A"}, {("item", "OLD-1"): "Z"}, "in ERP") == []


@pytest.mark.parametrize("odd", ["²", "A²", "1½", "Ⅻ", "٣"])
def test_digit_like_characters_order_without_crashing(odd: str) -> None:
    """Superscripts and other non-decimal "digits" are letters to the order (found by the
    API's schemathesis run: `int("²")` used to raise); Arabic-Indic digits are digits."""
    assert compare_revisions(odd, odd) == 0
    assert compare_revisions(odd, "A") in (-1, 1)
