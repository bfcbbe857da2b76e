"""`plmsync import` end to end on real HackRF files: the package it writes reads back."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from plmsync.cli.app import app
from plmsync.config import DEFAULT_UNITS
from plmsync.pipeline.fetch import read_package
from plmsync.pipeline.validate import ValidationContext, validate
from tests.importers.conftest import GROUPED_2016, KICAD_2020, REV_2013, REV_2014

runner = CliRunner()


def test_import_grouped_kicad_bom_to_a_file(hackrf: Path, tmp_path: Path) -> None:
    out = tmp_path / "pkg.json"
    result = runner.invoke(
        app,
        [
            "import",
            str(hackrf / GROUPED_2016),
            "--format",
            "kicad",
            "--item",
            "HACKRF-ONE",
            "--revision",
            "R6",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    _, package = read_package(out)
    assert (package.boms[0].item, package.boms[0].revision) == ("HACKRF-ONE", "R6")
    assert package.source.model_dump()["format"] == "kicad"
    # 65 grouped lines → 65 parts plus the parent; quantities sum to 300 (see test_hackrf_boms).
    assert len(package.items) == 66
    assert sum(line.quantity for line in package.boms[0].lines) == 300


def test_import_with_a_yaml_mapping_to_stdout(hackrf: Path, tmp_path: Path) -> None:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "description: Field3\nsources:\n  - {manufacturer: Field1, mpn: Field2}\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["import", str(hackrf / REV_2013), "--mapping", str(mapping)])
    assert result.exit_code == 0, result.output
    assert '"component": "GRM1555C1H330JA01D"' in result.output
    assert '"item": "hackrf-one-bom_2013-12-23_934303d3"' in result.output


def test_a_file_without_a_header_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2,3\n4,5,6\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(bad)])
    assert result.exit_code == 2
    assert "no header row" in result.output


def test_previous_package_keeps_find_numbers(hackrf: Path, tmp_path: Path) -> None:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("sources:\n  - {manufacturer: Field1, mpn: Field2}\n", encoding="utf-8")
    first, second = tmp_path / "r1.json", tmp_path / "r2.json"
    common = ["--mapping", str(mapping), "--item", "HACKRF-ONE", "--revision"]
    result = runner.invoke(app, ["import", str(hackrf / REV_2013), *common, "A", "-o", str(first)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        app,
        [
            "import",
            str(hackrf / REV_2014),
            *common,
            "B",
            "--previous",
            str(first),
            "-o",
            str(second),
        ],
    )
    assert result.exit_code == 0, result.output
    old, new = (
        {line.component: line.find_number for line in read_package(p)[1].boms[0].lines}
        for p in (first, second)
    )
    assert all(new[part] == number for part, number in old.items() if part in new)
    # The 4 parts new in 2014 (see test_hackrf_boms) are numbered after 2013's 136 lines.
    assert sorted(n for part, n in new.items() if part not in old) == [1370, 1380, 1390, 1400]


def test_with_a_plant_the_imported_package_passes_validation(hackrf: Path, tmp_path: Path) -> None:
    out = tmp_path / "pkg.json"
    args = ["import", str(hackrf / KICAD_2020), "--item", "HACKRF-ONE", "-p", "US01", "-o"]
    result = runner.invoke(app, [*args, str(out)])
    assert result.exit_code == 0, result.output
    _, package = read_package(out)
    assert package.plant_codes == ("US01",)
    units = {code: unit.category for code, unit in DEFAULT_UNITS.items()}
    context = ValidationContext(plants=frozenset({"US01"}), unit_categories=units)
    assert validate(package, context) == []
