"""ECO streams: seeded, chained revisions, the whole mix of edits, future effectivity per
plant, and every ECO valid once the release is in the ERP."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from plmsync import generator
from plmsync.cli.app import app
from plmsync.config import DEFAULT_UNITS
from plmsync.domain.package import Bom, ChangePackage
from plmsync.domain.revision import compare_revisions
from plmsync.pipeline.fetch import parse_package
from plmsync.pipeline.validate import ValidationContext, validate

PLANTS = (("US01", "NA"), ("MX01", "NA"), ("DE01", "EU"), ("CN01", "APAC"))
SHAPE = generator.Shape(items=200, lines=800, plants=PLANTS, seed=5, variety=generator.REALISTIC)
STREAM = generator.Stream(count=200, seed=21)


@pytest.fixture(scope="module")
def release() -> ChangePackage:
    return generator.release(SHAPE)


@pytest.fixture(scope="module")
def ecos(release: ChangePackage) -> list[ChangePackage]:
    return generator.eco_stream(release, PLANTS, STREAM)


def edits(before: Bom, after: Bom) -> set[str]:
    """What changed between two revisions of a BOM, compared line by line (find number)."""
    old = {line.find_number: line for line in before.lines}
    new = {line.find_number: line for line in after.lines}
    found = {"add"} if new.keys() - old.keys() else set()
    found |= {"remove"} if old.keys() - new.keys() else set()
    for number in old.keys() & new.keys():
        a, b = old[number], new[number]
        if a.component != b.component:
            found.add("substitution")
        elif a.quantity != b.quantity:
            found.add("quantity")
        elif a.substitutes != b.substitutes:
            found.add("substitute")
    return found or {"revision"}


def test_same_inputs_same_bytes(release: ChangePackage, ecos: list[ChangePackage]) -> None:
    again = generator.eco_stream(release, PLANTS, STREAM)
    assert [e.model_dump_json() for e in again] == [e.model_dump_json() for e in ecos]
    other = generator.eco_stream(release, PLANTS, generator.Stream(count=200, seed=22))
    assert [e.model_dump_json() for e in other] != [e.model_dump_json() for e in ecos]


def test_stream_mixes_every_kind_of_edit(release: ChangePackage, ecos: list[ChangePackage]) -> None:
    current = {bom.item: bom for bom in release.boms}
    seen: Counter[str] = Counter()
    for eco in ecos:
        for bom in eco.boms:
            seen.update(edits(current[bom.item], bom))
            current[bom.item] = bom
    assert set(seen) == {"quantity", "substitution", "add", "remove", "substitute", "revision"}


def test_revisions_chain_forward(release: ChangePackage, ecos: list[ChangePackage]) -> None:
    revision = {i.number: i.revision for i in release.items}
    for eco in ecos:
        for affected in eco.change.affected_items:
            assert affected.from_revision == revision.get(affected.number)
            assert affected.to_revision is not None
            if affected.from_revision is not None:
                assert compare_revisions(affected.to_revision, affected.from_revision) > 0
            revision[affected.number] = affected.to_revision
    bumps = Counter(i.number for e in ecos for i in e.items if i.item_type == "assembly")
    assert max(bumps.values()) > 1  # some assembly went past rev B


def test_some_plants_cut_over_later(ecos: list[ChangePackage]) -> None:
    staggered = 0
    for eco in ecos:
        assert eco.change.approved_at is not None
        approved = eco.change.approved_at.date()
        dates = {p.plant: p.effective_from for p in eco.change.plants}
        assert set(dates) == {p for p, _ in PLANTS}
        assert min(dates.values()) == approved  # at least one plant right away
        staggered += max(dates.values()) > approved
    assert 0 < staggered < len(ecos)


def test_approvals_follow_the_stream_start_and_spacing(release: ChangePackage) -> None:
    start = dt.datetime(2026, 12, 1, 8, tzinfo=dt.UTC)
    stream = generator.Stream(count=3, start=start, every=dt.timedelta(seconds=5))
    approved = [e.change.approved_at for e in generator.eco_stream(release, PLANTS, stream)]
    assert approved == [start + dt.timedelta(seconds=5 * n) for n in range(3)]


def test_every_eco_validates_once_the_release_is_in_erp(
    release: ChangePackage, ecos: list[ChangePackage]
) -> None:
    context = ValidationContext(
        plants=frozenset(code for code, _ in PLANTS),
        unit_categories={code: unit.category for code, unit in DEFAULT_UNITS.items()},
        known_items={i.number: i.uom for i in release.items},  # what the release posted
        regions=dict(PLANTS),
        substitutes=True,
        line_effectivity=True,
    )
    for eco in ecos:
        assert validate(eco, context) == [], eco.change.number


def test_next_revision_goes_past_z() -> None:
    assert [generator.next_revision(r) for r in ("A", "Y", "Z", "AZ", "ZZ")] == [
        "B", "Z", "AA", "BA", "AAA",
    ]  # fmt: skip


def test_cli_writes_the_same_stream_for_the_same_seed(tmp_path: Path) -> None:
    runner = CliRunner()
    base = tmp_path / "release.json"
    plants = "US01:NA,DE01:EU"
    release_args = ["generate", "release", "--items", "120", "--lines", "400", "-o", str(base)]
    assert runner.invoke(app, [*release_args, "--plants", plants]).exit_code == 0
    written = []
    for folder in ("a", "b"):
        args = ["generate", "stream", "--base", str(base), "--count", "5", "--plants", plants]
        result = runner.invoke(
            app, [*args, "--start", "2026-12-01T08:00:00", "-d", str(tmp_path / folder)]
        )
        assert result.exit_code == 0, result.output
        written.append({p.name: p.read_bytes() for p in (tmp_path / folder).iterdir()})
    assert written[0] == written[1]
    assert sorted(written[0]) == [f"ECO-{n:04d}.json" for n in range(1, 6)]
    first = parse_package(written[0]["ECO-0001.json"])
    assert first.change.approved_at == dt.datetime(2026, 12, 1, 8, tzinfo=dt.UTC)
