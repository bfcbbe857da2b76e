"""`plmsync import` on one real file per format: detected from the content, read back as a
valid change package, and free of blocking validation issues once a plant is named; and
files no importer can read end in a coded error, never a traceback."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from typer.testing import CliRunner

from plmsync.cli.app import app
from plmsync.config import DEFAULT_UNITS
from plmsync.importers.formats import FileFormat, detect
from plmsync.pipeline.fetch import read_package
from plmsync.pipeline.validate import ValidationContext, validate
from tests.importers.conftest import SHARED, shared_folder

runner = CliRunner()

ONE_PER_FORMAT = [
    ("hackrf_one_bom/hackrf-one-bom_2018-03-14_b0a94ca7_kitspace_multi_mpn.tsv", "csv"),
    ("hackrf_one_bom/hackrf-one.bom_2020-09-07_4a058d3d.csv", "kicad"),
    ("aras_effectivity_3dprinter/002-PartBOM.txt", "aras-tsv"),
    ("aras_variant_mgmt_bicycle", "aras-tsv"),
    ("inventree_demo_dataset/inventree_demo_plm_subset.json", "inventree"),
    ("step_ap214_assemblies_stepcode/as1-oc-214.stp", "step"),
    ("step_ap214_assemblies_stepcode/g_r_assembly1_ap203.p21", "step"),
]


@pytest.mark.parametrize(("relative", "expected"), ONE_PER_FORMAT)
def test_detected_imported_and_valid(relative: str, expected: str, tmp_path: Path) -> None:
    shared_folder(relative.split("/", maxsplit=1)[0])
    out = tmp_path / "pkg.json"
    result = runner.invoke(app, ["import", str(SHARED / relative), "-p", "US01", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert expected in result.output  # the summary names the format it used
    _, package = read_package(out)
    assert package.source.model_dump()["format"] == expected
    units = {code: unit.category for code, unit in DEFAULT_UNITS.items()}
    context = ValidationContext(plants=frozenset({"US01"}), unit_categories=units)
    assert [i for i in validate(package, context) if i.blocking] == []


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "PLMSYNC-IMPORT-FORMAT-UNKNOWN"),
        (b"\x00\x01\x02\x03binary", "PLMSYNC-IMPORT-FORMAT-UNKNOWN"),
        (b"<?xml version='1.0'?><odoo><record/></odoo>", "PLMSYNC-IMPORT-FORMAT-UNKNOWN"),
        (b'[{"name": "not a fixture"}]', "PLMSYNC-IMPORT-FORMAT-UNKNOWN"),
        (b'{"items": []}', "PLMSYNC-IMPORT-FORMAT-UNKNOWN"),
        (b"<AML><Item type='Part' id='1'><item_number>A</item_number></Item", "UNREADABLE"),
        (b"ISO-10303-21;\nDATA;\n#1=PRODUCT('a',;\n", "PLMSYNC-IMPORT-UNREADABLE"),
        (b"Ref,Value,Qty\nR1,1k,many\n", "PLMSYNC-IMPORT-UNREADABLE"),
    ],
    ids=[
        "empty",
        "binary",
        "other-xml",
        "other-json",
        "json-object",
        "broken-aml",
        "broken-step",
        "bad-qty",
    ],
)
def test_unreadable_files_get_a_code_and_a_remedy(
    content: bytes, code: str, tmp_path: Path
) -> None:
    path = tmp_path / "export.dat"
    path.write_bytes(content)
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 2, result.output
    assert code in result.output
    assert "What to do:" in result.output
    assert "Traceback" not in result.output


def test_a_forced_format_that_does_not_fit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_text("Ref,Value,Qty\nR1,1k,1\n", encoding="utf-8")
    for file_format in ("step", "inventree", "aras-aml", "xlsx"):
        result = runner.invoke(app, ["import", str(path), "--format", file_format])
        assert result.exit_code == 2, (file_format, result.output)
        assert "PLMSYNC-IMPORT-" in result.output
    result = runner.invoke(app, ["import", str(path), "--format", "csv"])
    assert result.exit_code == 0, result.output


def test_a_bad_mapping_is_a_configuration_error(tmp_path: Path) -> None:
    bom = tmp_path / "bom.csv"
    bom.write_text("Ref,Qty\nR1,1\n", encoding="utf-8")
    typo = tmp_path / "typo.yaml"
    typo.write_text("designators: Ref\ndesignator_typo: X\n", encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text("sources: [\n", encoding="utf-8")
    for mapping, says in ((typo, "designator_typo"), (broken, "not valid YAML")):
        result = runner.invoke(app, ["import", str(bom), "--mapping", str(mapping)])
        assert result.exit_code == 1, result.output
        assert "PLMSYNC-CONFIG" in result.output and says in result.output
        assert "Traceback" not in result.output


def test_detection_survives_a_multibyte_character_across_its_sample() -> None:
    # Detection looks at the first 8 KiB of text; a UTF-8 file with a byte-order mark whose
    # "µ" straddles byte 8192 must still be read (a strict decode of cut bytes would fail).
    header = codecs.BOM_UTF8 + b"Ref,Value,Qty\n"
    filler = b"R1,1k,1\n" * ((8191 - len(header)) // 8)
    pad = b"x" * (8191 - len(header) - len(filler))
    content = header + filler + pad + "µF,1\n".encode()
    assert content.find("µ".encode()) == 8191
    assert detect(content) is FileFormat.CSV
