"""STEP product structure on the real STEPcode test models (../shared/data), and the Part 21
reader on small inputs.

By hand from as1-oc-214.stp (9 PRODUCTs, 13 NEXT_ASSEMBLY_USAGE_OCCURRENCEs):
  as1 ─ rod-assembly x1 ─ nut x2, rod x1
      ─ l-bracket-assembly x2 ─ l-bracket x1, nut-bolt-assembly x3 ─ bolt x1, nut x1
      ─ plate x1
so one as1 holds 2 + 2·3·1 = 8 nuts and 2·3 = 6 bolts. dm1-id-214.stp: dm1 holds l-bracket x1,
bolt x3 and nut x3, each occurrence with a reference designator. s1-c5-214.stp: *MASTER holds
TAIL, HEAD, MAINBODY x1 and FOOT x2, each in its own file (DOCUMENT_FILE), each of those
holding two parts in files of their own (TAIL: TAIL_TURBINE x2, TAIL_MIDDLE_PART x1) —
13 files in all. g_r_assembly1_ap203.p21 (AP203): one complex occurrence with a
QUANTIFIED_ASSEMBLY_COMPONENT_USAGE of COUNT_MEASURE(4), part 21113 at formation B, .BOUGHT.
The occurrence counts are recomputed below with regular expressions over the raw text.
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from plmsync.cli.app import app
from plmsync.domain.errors import ImportRejected
from plmsync.domain.package import ChangePackage, MakeBuy
from plmsync.importers.dispatch import ImportRequest, import_file
from plmsync.importers.part21 import DERIVED, Enum, Ref, Typed, parse
from plmsync.pipeline.fetch import read_package
from tests.importers.conftest import shared_folder

runner = CliRunner()


@pytest.fixture
def step() -> Path:
    return shared_folder("step_ap214_assemblies_stepcode")


def _raw_occurrences(path: Path) -> Counter[tuple[str, str]]:
    """(parent, child) product ids per NAUO, by regex: NAUO → definitions → formations →
    products, each link being the attribute the standard puts there."""
    text = path.read_text(encoding="latin-1")
    product = dict(re.findall(r"#(\d+)\s*=\s*PRODUCT\s*\(\s*'([^']*)'", text))
    formation = dict(
        re.findall(
            r"#(\d+)\s*=\s*PRODUCT_DEFINITION_FORMATION\w*\s*\('[^']*',\s*'[^']*',\s*#(\d+)", text
        )
    )
    definition = dict(
        re.findall(r"#(\d+)\s*=\s*PRODUCT_DEFINITION\s*\('[^']*',\s*'[^']*',\s*#(\d+)", text)
    )
    links = re.findall(
        r"NEXT_ASSEMBLY_USAGE_OCCURRENCE\s*\((?:'[^']*'\s*,\s*){3}#(\d+)\s*,\s*#(\d+)", text
    )

    def name(pd: str) -> str:
        return product[formation[definition[pd]]].strip()

    return Counter((name(parent), name(child)) for parent, child in links)


def _lines(package: ChangePackage) -> dict[tuple[str, str], Decimal]:
    return {(b.item, ln.component): ln.quantity for b in package.boms for ln in b.lines}


def _exploded(package: ChangePackage, top: str) -> Counter[str]:
    """How many of each part one `top` holds, multiplying quantities down the levels."""
    children = {b.item: [(ln.component, ln.quantity) for ln in b.lines] for b in package.boms}
    total: Counter[str] = Counter()

    def walk(item: str, factor: Decimal) -> None:
        for child, quantity in children.get(item, ()):
            total[child] += int(factor * quantity)
            walk(child, factor * quantity)

    walk(top, Decimal(1))
    return total


def test_repeated_sub_assemblies_give_quantities_by_occurrence(step: Path) -> None:
    path = step / "as1-oc-214.stp"
    occurrences = _raw_occurrences(path)
    assert sum(occurrences.values()) == 13
    package = import_file(ImportRequest(path=path)).package
    assert package.source.model_dump()["format"] == "step"
    assert len(package.items) == 9
    assert _lines(package) == {pair: Decimal(n) for pair, n in occurrences.items()}
    assert _lines(package)[("as1", "l-bracket-assembly")] == 2
    assert _lines(package)[("l-bracket-assembly", "nut-bolt-assembly")] == 3
    exploded = _exploded(package, "as1")
    assert (exploded["nut"], exploded["bolt"]) == (8, 6)
    assert [b.item for b in package.boms if b.item == "as1"] == ["as1"]


def test_reference_designators_and_materials(step: Path) -> None:
    path = step / "dm1-id-214.stp"
    package = import_file(ImportRequest(path=path)).package
    assert _lines(package) == {p: Decimal(n) for p, n in _raw_occurrences(path).items()}
    bolts = next(ln for b in package.boms for ln in b.lines if ln.component == "bolt")
    assert bolts.reference_designators == ("bolt_3", "bolt_4", "bolt_5")
    # The three material PRODUCTs (AMS …) are items too, used by no BOM.
    assert {i.number for i in package.items} >= {"AMS 5613", "AMS 4928", "AMS 5662"}


def test_an_assembly_split_over_files_is_followed_file_by_file(step: Path) -> None:
    folder = step / "s1-c5-214"
    raw: Counter[tuple[str, str]] = Counter()
    for path in folder.glob("*.stp"):
        raw.update(_raw_occurrences(path))
    package = import_file(ImportRequest(path=folder / "s1-c5-214.stp")).package
    assert _lines(package) == {pair: Decimal(n) for pair, n in raw.items()}
    assert len(package.source.model_dump()["files"]) == len(list(folder.glob("*.stp"))) == 13
    exploded = _exploded(package, "*MASTER")
    assert (exploded["FOOT_BACK_000"], exploded["TAIL_TURBINE"]) == (2, 2)


def test_external_files_not_beside_the_assembly_are_listed(step: Path, tmp_path: Path) -> None:
    alone = tmp_path / "s1-c5-214.stp"
    alone.write_bytes((step / "s1-c5-214" / "s1-c5-214.stp").read_bytes())
    package = import_file(ImportRequest(path=alone)).package
    assert package.source.model_dump()["external_files_missing"] == [
        "TAIL.stp",
        "HEAD.stp",
        "MAINBODY.stp",
        "FOOT.stp",
    ]
    assert _lines(package) == {p: Decimal(n) for p, n in _raw_occurrences(alone).items()}


def test_ap203_quantified_occurrence_and_make_buy(step: Path, tmp_path: Path) -> None:
    out = tmp_path / "pkg.json"
    result = runner.invoke(app, ["import", str(step / "g_r_assembly1_ap203.p21"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    package = read_package(out)[1]
    assert _lines(package) == {("21113", "41113"): Decimal(4)}
    gasket = next(item for item in package.items if item.number == "21113")
    assert (gasket.revision, gasket.make_buy) == ("B", MakeBuy.BUY)


# --- the Part 21 reader -----------------------------------------------------------------

SMALL = """ISO-10303-21;
HEADER;
FILE_SCHEMA(('AP242_MANAGED_MODEL_BASED_3D_ENGINEERING_MIM_LF'));
ENDSEC;
DATA;
/* a comment; with 'quotes' */
#1=PRODUCT('P-1','It''s a part',$,(#2));
#2=PRODUCT_CONTEXT('',#3,'mechanical');
#3=( NAMED_UNIT(*) SI_UNIT(.MILLI.,.METRE.) LENGTH_UNIT() );
#4=MEASURE_WITH_UNIT(COUNT_MEASURE(2.5E0),#3);
ENDSEC;
END-ISO-10303-21;
"""


def test_the_reader_parses_strings_lists_typed_values_and_complex_instances() -> None:
    parsed = parse(SMALL)
    assert parsed.schemas == ("AP242_MANAGED_MODEL_BASED_3D_ENGINEERING_MIM_LF",)
    assert parsed.instances[1].parts == {"PRODUCT": ["P-1", "It's a part", None, [Ref(2)]]}
    assert parsed.instances[3].parts == {
        "NAMED_UNIT": [DERIVED],
        "SI_UNIT": [Enum("MILLI"), Enum("METRE")],
        "LENGTH_UNIT": [],
    }
    assert parsed.instances[4].parts["MEASURE_WITH_UNIT"][0] == Typed(
        "COUNT_MEASURE", Decimal("2.5")
    )


@pytest.mark.parametrize(
    "text",
    [
        "ISO-10303-21;\nDATA;\n#1=PRODUCT('unterminated);\nENDSEC;\n",
        "ISO-10303-21;\nDATA;\n#1=PRODUCT('a',#2\nENDSEC;\n",
        "ISO-10303-21;\nDATA;\n#1=PRODUCT('a') ^;\n",
        "not a step file",
    ],
)
def test_bad_syntax_is_refused_with_a_code(text: str) -> None:
    with pytest.raises(ImportRejected) as refused:
        parse(text)
    assert refused.value.code == "PLMSYNC-IMPORT-UNREADABLE"


def test_a_step_file_without_products_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.stp"
    empty.write_text("ISO-10303-21;\nHEADER;\nENDSEC;\nDATA;\nENDSEC;\nEND-ISO-10303-21;\n")
    result = runner.invoke(app, ["import", str(empty)])
    assert result.exit_code == 2
    assert "PLMSYNC-IMPORT-EMPTY" in result.output
