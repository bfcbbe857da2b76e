"""The shipped GP-40 samples are valid, realistic packages (the demo and the contract use them)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from plmsync.config import DEFAULT_UNITS
from plmsync.domain.package import ChangePackage
from plmsync.pipeline.derive import derive
from plmsync.pipeline.validate import ValidationContext, validate
from plmsync.testing.fake_erp import InMemoryErp
from plmsync.testing.packages import (
    DE01,
    US01,
    eco_package,
    release_package,
    revise,
    with_line_quantity,
)

EXAMPLE = Path(__file__).parents[2] / "examples" / "gp40-release.json"
CONTEXT = ValidationContext(
    plants=frozenset({"US01", "DE01"}),
    unit_categories={code: unit.category for code, unit in DEFAULT_UNITS.items()},
    unit_digits=InMemoryErp().capabilities().unit_digits,
)


@pytest.mark.parametrize("package", [release_package(), eco_package()], ids=["release", "eco"])
def test_samples_have_no_issue_at_all(package: ChangePackage) -> None:
    assert validate(package, CONTEXT) == []


def test_the_release_sample_is_the_example_file() -> None:
    assert release_package() == ChangePackage.model_validate_json(EXAMPLE.read_bytes())


def test_the_eco_changes_what_it_says_it_changes() -> None:
    before, after = derive(release_package(), DE01), derive(eco_package(), DE01)
    assert (after.items["PMP-40"].revision, after.items["GRS-40"].revision) == ("B", "C")
    swapped = before.boms["GRS-40"].components ^ after.boms["GRS-40"].components
    assert swapped == {"GR-402", "GR-402B"}
    assert [ln.quantity for ln in after.boms["PMP-40"].lines if ln.component == "SCR-M5X16"] == [8]
    assert after.documents["PMP-40/DRW-40"].revision == "B"
    assert not any(s.item == "HSG-40" for s in derive(eco_package(), US01).sources.values())


def test_builders_return_edited_copies() -> None:
    release = release_package()
    revised = with_line_quantity(revise(release, "PMP-40", "B"), "PMP-40", 30, Decimal(9))
    pump = derive(revised, US01).boms["PMP-40"]
    assert (pump.revision, pump.lines[2].quantity) == ("B", Decimal(9))
    assert derive(release, US01).boms["PMP-40"].revision == "A"
