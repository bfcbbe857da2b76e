"""Aras Innovator Part / Part BOM exports → a multi-level product structure.

Aras exports one tab-separated file per item type, the first line naming the properties
(`id`, `item_number`, `major_rev`, `make_buy`…; Part BOM rows: `source_id` = parent Part id,
`related_id` = child Part id, `quantity`, `sort_order`). The same items also travel as AML
(`<AML><Item type="Part">…`), either flat (Part BOM items carrying `source_id`) or nested
(Part BOM items under the parent Part's `<Relationships>`, the child in `<related_id>`).
Both shapes are reduced to property rows, then to one `ProductStructure`. Effectivity
expressions (`effs_Part_BOM_expression` rows, keyed by Part BOM id) are kept in line notes.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from lxml import etree

from plmsync.domain.package import MakeBuy
from plmsync.importers.refusals import DANGLING_REFERENCE, MISSING_COMPANION, UNREADABLE, refuse
from plmsync.importers.sniff import decode
from plmsync.importers.structure import ProductStructure, StructurePart, Usage

Row = Mapping[str, str]
NO_REVISION = "-"


@dataclass(frozen=True, slots=True)
class ArasRows:
    """Property rows per item type, as both TSV and AML exports carry them."""

    parts: tuple[Row, ...]
    bom: tuple[Row, ...]
    effectivity: tuple[Row, ...] = ()


# --- tab-separated exports -------------------------------------------------------------
# A TSV does not say which item type it holds, and the header cannot tell (Part and
# vm_Feature both have id, item_number, name): Aras exports name each file after its item
# type (`010-Part.txt`, `011-Part_BOM.txt`, `002-PartBOM.txt`), and so does this reader.

_KINDS = {
    "part": "part",
    "partbom": "bom",
    "partbomeffectivity": "effectivity",
    "effspartbomexpression": "effectivity",
}
_REQUIRED = {
    "part": {"id", "item_number"},
    "bom": {"id", "source_id", "related_id"},
    "effectivity": {"source_id", "definition"},
}


def tsv_kind(header: Sequence[str]) -> str | None:
    """Whether a header line looks like an Aras item export ("item" or "relationship")."""
    names = {name.strip().lower() for name in header}
    if {"id", "source_id", "related_id"} <= names:
        return "relationship"
    if {"id", "item_number"} <= names:
        return "item"
    return None


def kind_of(path: Path) -> str | None:
    """ "part", "bom" or "effectivity" from the file name; None for other item types."""
    stem = re.sub(r"^\d+[-_ ]*", "", path.stem).lower()
    return _KINDS.get(re.sub(r"[-_ ]", "", stem))


def read_tsv(path: Path, kind: str) -> list[dict[str, str]]:
    text, _ = decode(path.read_bytes())
    reader = csv.DictReader(io.StringIO(text), delimiter="\t")
    header = {name.strip().lower() for name in reader.fieldnames or ()}
    if not _REQUIRED[kind] <= header:
        missing = ", ".join(sorted(_REQUIRED[kind] - header))
        raise refuse(UNREADABLE, f"{path.name}: an Aras {kind} export needs columns {missing}")
    return [{k.strip().lower(): (v or "").strip() for k, v in r.items() if k} for r in reader]


def read_tsv_folder(folder: Path) -> ArasRows:
    """The Part, Part BOM (and effectivity) TSVs of `folder`; Part and Part BOM required."""
    found: dict[str, list[dict[str, str]]] = {"part": [], "bom": [], "effectivity": []}
    for path in sorted(folder.glob("*.txt")):
        kind = kind_of(path)
        if kind is not None:
            found[kind].extend(read_tsv(path, kind))
    if not found["part"] or not found["bom"]:
        raise refuse(
            MISSING_COMPANION,
            f"{folder.name} needs an Aras Part and a Part BOM export (NNN-Part.txt, "
            "NNN-Part_BOM.txt)",
        )
    return ArasRows(tuple(found["part"]), tuple(found["bom"]), tuple(found["effectivity"]))


# --- AML ---------------------------------------------------------------------------------


def _properties(item: etree._Element) -> dict[str, str]:
    """An AML Item's own properties: child elements other than Relationships; a property
    holding a nested Item (e.g. related_id) gives that Item's id."""
    props = {"id": item.get("id", "")}
    for child in item:
        if not isinstance(child.tag, str) or child.tag == "Relationships":
            continue
        nested = child.find("Item")
        props[child.tag] = nested.get("id", "") if nested is not None else (child.text or "")
    return {k: v.strip() for k, v in props.items()}


def _enclosing_item(element: etree._Element) -> etree._Element | None:
    parent = element.getparent()
    while parent is not None and parent.tag != "Item":
        parent = parent.getparent()
    return parent


def read_aml(data: bytes) -> ArasRows:
    try:
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise refuse(UNREADABLE, f"not well-formed AML: {exc}") from None
    # A Part may appear more than once (in full, and again inside a related_id): one by id.
    parts: dict[str, dict[str, str]] = {}
    bom: list[dict[str, str]] = []
    for item in root.iter("Item"):
        kind = item.get("type", "")
        props = _properties(item)
        if kind == "Part":
            parts.setdefault(props["id"], {}).update({k: v for k, v in props.items() if v})
        elif kind == "Part BOM":
            owner = _enclosing_item(item)
            if not props.get("source_id") and owner is not None:
                props["source_id"] = owner.get("id", "")
            bom.append(props)
    return ArasRows(tuple(parts.values()), tuple(bom))


# --- rows → structure ----------------------------------------------------------------------


def _quantity(text: str, row_id: str) -> Decimal:
    """Aras leaves `quantity` blank when it was never set; one is what such a line means."""
    try:
        return Decimal(text) if text else Decimal(1)
    except InvalidOperation:
        raise refuse(UNREADABLE, f"Part BOM {row_id}: quantity {text!r} is not a number") from None


def _part(row: Row) -> StructurePart:
    make_buy = row.get("make_buy", "").lower()
    attributes = {key: row[key] for key in ("classification", "generation") if row.get(key)}
    attributes["aras_id"] = row["id"]
    return StructurePart(
        number=row["item_number"],
        revision=row.get("major_rev") or NO_REVISION,
        name=row.get("name", ""),
        description=row.get("description", ""),
        make_buy=MakeBuy(make_buy) if make_buy in ("make", "buy") else None,
        attributes=attributes,
    )


def _number_of(ids: Mapping[str, str], part_id: str, row_id: str) -> str:
    if part_id not in ids:
        raise refuse(
            DANGLING_REFERENCE,
            f"Part BOM {row_id} names Part id {part_id or '(blank)'}, which the export lacks",
        )
    return ids[part_id]


def to_structure(
    rows: ArasRows, provenance: Mapping[str, object] | None = None
) -> ProductStructure:
    """Relationships go from Aras ids to item numbers; lines keep Aras' sort order."""
    ids = {row["id"]: row["item_number"] for row in rows.parts if row.get("item_number")}
    expressions: dict[str, list[str]] = {}
    for row in rows.effectivity:
        expressions.setdefault(row.get("source_id", ""), []).append(row.get("definition", ""))
    usages = []
    for row in rows.bom:
        row_id = row.get("id", "")
        order = row.get("sort_order", "")
        effectivity = "; ".join(expressions.get(row_id, ()))
        usages.append(
            Usage(
                parent=_number_of(ids, row.get("source_id", ""), row_id),
                component=_number_of(ids, row.get("related_id", ""), row_id),
                quantity=_quantity(row.get("quantity", ""), row_id),
                sort_order=int(order) if order.isdigit() else None,
                notes=f"effectivity: {effectivity}" if effectivity else "",
            )
        )
    return ProductStructure(_latest(rows.parts), tuple(usages), provenance=dict(provenance or {}))


def _latest(rows: Sequence[Row]) -> tuple[StructurePart, ...]:
    """One part per item number: an export holding several generations of a Part keeps the
    highest (relationships to older generations resolve to the same item number)."""
    chosen: dict[str, Row] = {}
    for row in rows:
        number = row.get("item_number")
        if number and _generation(row) >= _generation(chosen.get(number, {})):
            chosen[number] = row
    return tuple(_part(row) for row in chosen.values())


def _generation(row: Row) -> int:
    text = row.get("generation", "")
    return int(text) if text.isdigit() else 0
