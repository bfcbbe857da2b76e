"""InvenTree data exports (Django fixture JSON) → a multi-level product structure.

Read: `part.part` (the item number is the IPN, else the part name; the item revision is
InvenTree's `revision`, each revision being its own part there), `part.bomitem` (parent
`part`, component `sub_part`, `quantity`; InvenTree's free-text `reference` such as
"Resistors" is not a designator list and goes to the line notes), `part.bomitemsubstitute`
(substitutes of a BOM item), `company.manufacturerpart` (MPN by manufacturer, the AML) and
`company.supplierpart` (SKU by supplier, the AVL). Every other model is ignored.

Sources: a supplier part linked to a manufacturer part gives (manufacturer, MPN, supplier);
a manufacturer part no supplier carries stands for itself (its manufacturer as supplier, as
the CSV importer does); a supplier part without manufacturer part gives the supplier's SKU
with no manufacturer — the only part number known for it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from plmsync.importers.refusals import DANGLING_REFERENCE, EMPTY, UNREADABLE, refuse
from plmsync.importers.structure import PartSourcing, ProductStructure, StructurePart, Usage

Fields = Mapping[str, Any]
NO_REVISION = "-"
# InvenTree units are free text; the ones the demo data uses, in plmsync's unit codes.
UNITS = {"": "EA", "m": "M", "metres": "M", "litres": "L", "l": "L", "kg": "KG", "g": "G"}


def _records(data: bytes) -> dict[str, dict[int, Fields]]:
    """Fields by primary key, per model."""
    try:
        fixture = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise refuse(UNREADABLE, f"not a JSON export: {exc}") from None
    if not isinstance(fixture, list):
        raise refuse(UNREADABLE, "an InvenTree export is a JSON array of records")
    models: dict[str, dict[int, Fields]] = {}
    for record in fixture:
        if isinstance(record, dict) and isinstance(record.get("fields"), dict):
            models.setdefault(str(record.get("model")), {})[record["pk"]] = record["fields"]
    return models


def _numbers(parts: Mapping[int, Fields]) -> dict[int, str]:
    """pk → item number: the IPN, else the name; a clash keeps the first and suffixes the pk."""
    numbers: dict[int, str] = {}
    taken: set[str] = set()
    for pk, fields in parts.items():
        number = (fields.get("IPN") or "").strip() or str(fields.get("name", "")).strip()
        if not number or number in taken:
            number = f"{number or 'part'}#{pk}"
        taken.add(number)
        numbers[pk] = number
    return numbers


def _part(pk: int, number: str, fields: Fields) -> StructurePart:
    units = str(fields.get("units") or "").strip()
    attributes = {
        key: fields[key]
        for key in ("name", "keywords", "is_template", "virtual", "trackable")
        if fields.get(key)
    }
    attributes["inventree_pk"] = pk
    return StructurePart(
        number=number,
        revision=str(fields.get("revision") or "").strip() or NO_REVISION,
        name=str(fields.get("name") or number),
        description=str(fields.get("description") or ""),
        uom=UNITS.get(units.lower(), units.upper()),
        attributes=attributes,
    )


def _ref(numbers: Mapping[int, str], pk: object, what: str) -> str:
    if not isinstance(pk, int) or pk not in numbers:
        raise refuse(DANGLING_REFERENCE, f"{what} names part {pk}, which the export lacks")
    return numbers[pk]


def _quantity(text: object, pk: int) -> Decimal:
    try:
        return Decimal(str(text))
    except InvalidOperation:
        raise refuse(UNREADABLE, f"BOM item {pk}: quantity {text!r} is not a number") from None


def _notes(fields: Fields) -> str:
    notes = [f"reference: {fields['reference']}"] if fields.get("reference") else []
    notes += [flag for flag in ("optional", "consumable") if fields.get(flag)]
    return "; ".join(notes)


def _usages(models: Mapping[str, Mapping[int, Fields]], numbers: Mapping[int, str]) -> list[Usage]:
    substitutes: dict[int, list[str]] = {}
    for pk, sub in models.get("part.bomitemsubstitute", {}).items():
        what = f"substitute {pk}"
        substitutes.setdefault(sub["bom_item"], []).append(_ref(numbers, sub["part"], what))
    usages = []
    for pk, item in sorted(models.get("part.bomitem", {}).items()):
        what = f"BOM item {pk}"
        usages.append(
            Usage(
                parent=_ref(numbers, item.get("part"), what),
                component=_ref(numbers, item.get("sub_part"), what),
                quantity=_quantity(item.get("quantity"), pk),
                sort_order=pk,
                substitutes=tuple(substitutes.get(pk, ())),
                notes=_notes(item),
            )
        )
    return usages


def _name(records: Mapping[int, Fields], pk: object) -> str:
    fields = records.get(pk) if isinstance(pk, int) else None
    return str(fields.get("name") or "") if fields else ""


def _sources(
    models: Mapping[str, Mapping[int, Fields]], numbers: Mapping[int, str]
) -> list[PartSourcing]:
    """Distinct (part, manufacturer, MPN or SKU, supplier), supplier parts first."""
    companies = models.get("company.company", {})
    makers = models.get("company.manufacturerpart", {})
    supplied: set[int] = set()
    found: dict[PartSourcing, None] = {}
    for pk, sp in models.get("company.supplierpart", {}).items():
        item = _ref(numbers, sp.get("part"), f"supplier part {pk}")
        supplier = _name(companies, sp.get("supplier")) or "UNKNOWN"
        maker_pk = sp.get("manufacturer_part")
        maker = makers.get(maker_pk) if isinstance(maker_pk, int) else None
        if maker is not None and isinstance(maker_pk, int):
            supplied.add(maker_pk)
            manufacturer = _name(companies, maker.get("manufacturer"))
            found[PartSourcing(item, manufacturer, str(maker["MPN"]).strip(), supplier)] = None
        elif str(sp.get("SKU") or "").strip():
            found[PartSourcing(item, "", str(sp["SKU"]).strip(), supplier)] = None
    for pk, mp in makers.items():
        if pk in supplied or not str(mp.get("MPN") or "").strip():
            continue
        manufacturer = _name(companies, mp.get("manufacturer"))
        item = _ref(numbers, mp.get("part"), f"manufacturer part {pk}")
        mpn = str(mp["MPN"]).strip()
        found[PartSourcing(item, manufacturer, mpn, manufacturer or "UNKNOWN")] = None
    return list(found)


def read_inventree(data: bytes) -> ProductStructure:
    models = _records(data)
    parts = models.get("part.part", {})
    if not parts:
        raise refuse(EMPTY, "the InvenTree export holds no part.part records")
    numbers = _numbers(parts)
    return ProductStructure(
        parts=tuple(_part(pk, numbers[pk], fields) for pk, fields in parts.items()),
        usages=tuple(_usages(models, numbers)),
        sources=tuple(_sources(models, numbers)),
        provenance={"models": sorted(_counted(models))},
    )


def _counted(models: Mapping[str, Sequence[Any] | Mapping[int, Fields]]) -> list[str]:
    return [f"{name}:{len(records)}" for name, records in models.items()]
