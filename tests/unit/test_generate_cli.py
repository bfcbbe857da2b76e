"""`plmsync generate release|eco`: seeded, reproducible, valid packages."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from plmsync.cli.app import app
from plmsync.domain.package import ChangePackage
from plmsync.pipeline.derive import PlantContext, derive
from plmsync.pipeline.fetch import parse_package
from plmsync.pipeline.plan import bom_levels

runner = CliRunner()
RELEASE = ["generate", "release", "--items", "400", "--lines", "1600", "--depth", "6"]
PLANTS = ["--plants", "US01:NA,DE01:EU"]


def generate(*args: str) -> None:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output


def release(path: Path, seed: int = 5) -> bytes:
    generate(*RELEASE, *PLANTS, "--seed", str(seed), "-o", str(path))
    return path.read_bytes()


def line_count(package: ChangePackage) -> int:
    return sum(len(bom.lines) for bom in package.boms)


def test_same_seed_gives_byte_identical_release(tmp_path: Path) -> None:
    first = release(tmp_path / "a.json")
    assert release(tmp_path / "b.json") == first
    assert release(tmp_path / "c.json", seed=6) != first


def test_release_is_valid_deep_and_as_large_as_asked(tmp_path: Path) -> None:
    package = parse_package(release(tmp_path / "r.json"))
    assert len(package.items) == 400
    assert line_count(package) == 1600
    assert {p for s in package.sources for p in s.plants} == {"US01", "DE01"}
    levels = bom_levels(derive(package, PlantContext("US01", "NA")))
    assert max(levels.values()) >= 6


def test_deeper_release_when_asked(tmp_path: Path) -> None:
    out = tmp_path / "deep.json"
    generate(*RELEASE[:-1], "8", "--plants", "US01", "--seed", "1", "-o", str(out))
    package = parse_package(out.read_bytes())
    assert max(bom_levels(derive(package, PlantContext("US01"))).values()) >= 8


def test_eco_is_seeded_valid_and_touches_the_fraction(tmp_path: Path) -> None:
    base = tmp_path / "base.json"
    base_package = parse_package(release(base))
    outputs = []
    for name in ("e1.json", "e2.json"):
        out = tmp_path / name
        generate("generate", "eco", "--base", str(base), "--fraction", "0.05", "--seed", "3",
                 "-o", str(out))  # fmt: skip
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    eco = parse_package(outputs[0])
    assert eco.change.kind == "eco"
    assert len(eco.boms) == int(len(base_package.boms) * 0.05)
    assert {b.item for b in eco.boms} <= {b.item for b in base_package.boms}


def test_unreadable_base_is_an_error_not_a_crash(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["generate", "eco", "--base", str(tmp_path / "missing.json"), "-o", "x.json"]
    )
    assert result.exit_code != 0
    assert "Traceback" not in result.output
