"""The ledger checker on hand-made ledgers: it must report each anomaly it exists to find,
and nothing on a clean ledger. Objects and fingerprints are short names; the checker only
compares them."""

from __future__ import annotations

from plmsync.domain.state import ObjectKind
from plmsync.testing.ledger import ABSENT, Effect, Intended, ObjectId, check

BOM = ObjectKind.BOM
PUMP: ObjectId = ("US01", BOM, "PMP-40")
GEAR: ObjectId = ("US01", BOM, "GRS-40")


def intended(obj: ObjectId, *revisions: str) -> list[Intended]:
    """The object's content in successive releases (REL-1, REL-2, …)."""
    target, kind, key = obj
    return [Intended(target, kind, key, fp, f"REL-{n}") for n, fp in enumerate(revisions, 1)]


def effects(*applied: tuple[ObjectId, str]) -> list[Effect]:
    """ERP effects in commit order; record ids are one per object and content."""
    return [
        Effect(seq, obj[0], obj[1], obj[2], fp, hash((obj, fp)) % 1000, "ECO")
        for seq, (obj, fp) in enumerate(applied, 1)
    ]


def test_a_clean_ledger_reports_nothing() -> None:
    report = check(
        intended(PUMP, "A", "B") + intended(GEAR, "A"),
        effects((PUMP, "A"), (GEAR, "A"), (PUMP, "B")),
        {PUMP: "B", GEAR: "A"},
    )

    assert report.counts() == {"lost": 0, "duplicated": 0, "unexpected": 0, "reordered": 0}
    assert report.ok
    assert (report.intended, report.applied) == (2, 3)


def test_an_object_that_never_reached_the_erp_is_lost() -> None:
    report = check(intended(PUMP, "A") + intended(GEAR, "A"), effects((PUMP, "A")), {PUMP: "A"})

    assert [a.object for a in report.lost] == [GEAR]
    assert report.counts()["lost"] == 1 and not report.ok


def test_a_latest_revision_that_never_landed_is_lost_not_reordered() -> None:
    report = check(intended(PUMP, "A", "B"), effects((PUMP, "A"), (PUMP, "X")), {PUMP: "X"})

    assert [a.object for a in report.lost] == [PUMP]
    assert report.reordered == ()


def test_an_earlier_revision_applied_after_the_latest_is_reordered() -> None:
    report = check(
        intended(PUMP, "A", "B", "C"),
        effects((PUMP, "C"), (PUMP, "B")),  # B arrived late and was posted over C
        {PUMP: "B"},
    )

    assert [a.object for a in report.reordered] == [PUMP]
    assert "1 revision(s) behind" in report.reordered[0].detail
    assert report.lost == () and report.duplicated == ()


def test_an_effect_applied_twice_is_duplicated() -> None:
    report = check(
        intended(PUMP, "A", "B"),
        effects((PUMP, "A"), (PUMP, "B"), (PUMP, "A"), (PUMP, "B")),
        {PUMP: "B"},
    )

    assert sorted(a.detail for a in report.duplicated) == [
        "revision A applied 2 times, 1 intended",
        "revision B applied 2 times, 1 intended",
    ]
    assert report.reordered == ()  # it ended right: only the repetitions are wrong


def test_a_revision_the_history_returns_to_may_be_applied_once_per_return() -> None:
    report = check(
        intended(PUMP, "A", "B", "A"),  # an ECO reverted by the next one
        effects((PUMP, "A"), (PUMP, "B"), (PUMP, "A")),
        {PUMP: "A"},
    )

    assert report.ok


def test_one_object_stored_as_two_records_is_duplicated() -> None:
    report = check(
        intended(PUMP, "A"),
        effects((PUMP, "A")),
        {PUMP: "A"},
        duplicate_records={PUMP: [3, 9]},
    )

    assert [a.detail for a in report.duplicated] == ["stored as 2 ERP records [3, 9]"]


def test_content_no_package_asked_for_is_unexpected() -> None:
    stranger: ObjectId = ("US01", BOM, "XXX-1")
    report = check(
        intended(PUMP, "A"),
        effects((PUMP, "A"), (PUMP, "A+half-of-B"), (PUMP, "A"), (stranger, "Z")),
        {PUMP: "A", stranger: "Z"},
    )

    assert sorted(a.object[2] for a in report.unexpected) == ["PMP-40", "XXX-1"]
    # Going back to A after the stray write is a second application of A.
    assert [a.object for a in report.duplicated] == [PUMP]


def test_a_removal_no_package_asked_for_is_unexpected_and_the_object_lost() -> None:
    report = check(intended(PUMP, "A"), effects((PUMP, "A"), (PUMP, ABSENT)), {})

    assert [a.detail for a in report.unexpected] == ["effect 2 by ECO: content removed"]
    assert [a.object for a in report.lost] == [PUMP]


def test_a_skipped_intermediate_revision_is_no_anomaly() -> None:
    # C arrived first; A and B were superseded and never posted: only the latest must land.
    report = check(intended(PUMP, "A", "B", "C"), effects((PUMP, "C")), {PUMP: "C"})

    assert report.ok
    assert report.summary() == (
        "ledger: 1 objects intended, 1 effects; lost=0 duplicated=0 unexpected=0 reordered=0"
    )
