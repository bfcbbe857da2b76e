"""InvenTree data export (Django fixture JSON) on the real demo dataset (../shared/data).

By hand from inventree_demo_plm_subset.json (recounted below with the json module): 414
`part.part` records, 4 with a revision (Widget Board A; Red Widget 00, 01, 02, each its own
part with its own IPN); 228 `part.bomitem` records under 20 parent parts, four levels on the
longest path; 3 `part.bomitemsubstitute` (BOM item 15 has two, BOM item 46 one); 187
`company.manufacturerpart`, 773 `company.supplierpart` (184 of them linked to a manufacturer
part), so 773 supplier sources plus the 3 manufacturer parts no supplier part carries = 776.
Units: five paints in litres, six wires in metres, the rest pieces.
"""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from plmsync.domain.errors import ImportRejected
from plmsync.domain.package import ChangePackage
from plmsync.importers.dispatch import ImportRequest, import_file
from plmsync.importers.formats import FileFormat, detect
from plmsync.importers.inventree import read_inventree
from tests.importers.conftest import shared_folder

Records = dict[int, dict[str, Any]]


@pytest.fixture(scope="module")
def export() -> Path:
    return shared_folder("inventree_demo_dataset") / "inventree_demo_plm_subset.json"


@pytest.fixture(scope="module")
def raw(export: Path) -> dict[str, Records]:
    models: dict[str, Records] = {}
    for record in json.loads(export.read_text(encoding="utf-8")):
        models.setdefault(record["model"], {})[record["pk"]] = record["fields"]
    return models


@pytest.fixture(scope="module")
def package(export: Path) -> ChangePackage:
    return import_file(ImportRequest(path=export)).package


def _number_by_pk(package: ChangePackage) -> dict[int, str]:
    return {item.attributes["inventree_pk"]: item.number for item in package.items}


def test_every_part_is_an_item_with_its_revision(
    export: Path, raw: dict[str, Records], package: ChangePackage
) -> None:
    assert detect(export.read_bytes()) is FileFormat.INVENTREE
    parts = raw["part.part"]
    assert len(package.items) == len(parts) == 414
    revisions = {item.attributes["inventree_pk"]: item.revision for item in package.items}
    revised = {pk: f["revision"] for pk, f in parts.items() if f["revision"]}
    assert len(revised) == 4
    assert {pk: revisions[pk] for pk in revised} == revised
    units = Counter(item.uom for item in package.items)
    assert (units["L"], units["M"], units["EA"]) == (5, 6, 414 - 11)


def test_bom_items_become_lines_on_every_level(
    raw: dict[str, Records], package: ChangePackage
) -> None:
    number = _number_by_pk(package)
    raw_lines = Counter(
        (number[f["part"]], number[f["sub_part"]], Decimal(f["quantity"]))
        for f in raw["part.bomitem"].values()
    )
    lines = Counter((b.item, ln.component, ln.quantity) for b in package.boms for ln in b.lines)
    assert lines == raw_lines and sum(lines.values()) == 228
    assert len(package.boms) == len({f["part"] for f in raw["part.bomitem"].values()}) == 20

    children = {b.item: [ln.component for ln in b.lines] for b in package.boms}

    def levels(item: str) -> int:
        return 1 + max((levels(c) for c in children.get(item, ())), default=0)

    assert max(levels(top) for top in children) == 4


def test_substitutes_sit_on_their_lines(raw: dict[str, Records], package: ChangePackage) -> None:
    number = _number_by_pk(package)
    expected: dict[tuple[str, str], set[str]] = {}
    for sub in raw["part.bomitemsubstitute"].values():
        item = raw["part.bomitem"][sub["bom_item"]]
        key = (number[item["part"]], number[item["sub_part"]])
        expected.setdefault(key, set()).add(number[sub["part"]])
    found = {
        (bom.item, line.component): {s.component for s in line.substitutes}
        for bom in package.boms
        for line in bom.lines
        if line.substitutes
    }
    assert found == expected
    assert sum(len(s) for s in found.values()) == 3


def test_manufacturer_and_supplier_parts_become_sources(
    raw: dict[str, Records], package: ChangePackage
) -> None:
    number = _number_by_pk(package)
    company = {pk: f["name"] for pk, f in raw["company.company"].items()}
    sources = {(s.item, s.manufacturer, s.mpn, s.supplier) for s in package.sources}
    assert len(sources) == len(package.sources)
    makers = raw["company.manufacturerpart"]
    for sp in raw["company.supplierpart"].values():
        maker = makers.get(sp["manufacturer_part"] or 0)
        if maker is not None:
            wanted = (company[maker["manufacturer"]], maker["MPN"])
        else:
            wanted = ("", sp["SKU"])
        assert (number[sp["part"]], *wanted, company[sp["supplier"]]) in sources
    carried = {sp["manufacturer_part"] for sp in raw["company.supplierpart"].values()}
    alone = [mp for pk, mp in makers.items() if pk not in carried]
    assert len(alone) == 3
    for mp in alone:
        maker_name = company[mp["manufacturer"]]
        assert (number[mp["part"]], maker_name, mp["MPN"], maker_name) in sources
    assert len(sources) == len(raw["company.supplierpart"]) + len(alone) == 776


def test_a_fixture_without_parts_or_with_a_dangling_bom_item_is_refused() -> None:
    with pytest.raises(ImportRejected) as empty:
        read_inventree(b'[{"model": "company.company", "pk": 1, "fields": {"name": "X"}}]')
    assert empty.value.code == "PLMSYNC-IMPORT-EMPTY"
    dangling = [
        {"model": "part.part", "pk": 1, "fields": {"name": "A"}},
        {"model": "part.bomitem", "pk": 1, "fields": {"part": 1, "sub_part": 9, "quantity": "1"}},
    ]
    with pytest.raises(ImportRejected) as refused:
        read_inventree(json.dumps(dangling).encode())
    assert refused.value.code == "PLMSYNC-IMPORT-DANGLING-REFERENCE"
