"""STEP AP203/AP214/AP242 product structure → a multi-level product structure.

PRODUCT (id = part number) ← PRODUCT_DEFINITION_FORMATION[_WITH_SPECIFIED_SOURCE] (id = the
revision; .MADE./.BOUGHT. = make/buy) ← PRODUCT_DEFINITION, and NEXT_ASSEMBLY_USAGE_OCCURRENCE
links a parent definition to a child definition once per placed instance. A child placed n
times is one BOM line of quantity n (a QUANTIFIED_ASSEMBLY_COMPONENT_USAGE counts its own
quantity instead of 1); the occurrence names go to the line notes. Each PRODUCT is one item
(a package holds one revision per item) at the revision of its first defined formation.
Geometry is not read. An assembly split over files names its sub-assemblies' files in
DOCUMENT_FILE entities; `read_step_assembly` follows those found beside it (plain file names
only, each file once) and joins their structures; the rest are listed as missing.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from plmsync.domain.package import MakeBuy
from plmsync.importers.part21 import Enum, Instance, Param, Ref, StepFile, Typed, parse
from plmsync.importers.refusals import DANGLING_REFERENCE, EMPTY, UNREADABLE, refuse
from plmsync.importers.sniff import decode
from plmsync.importers.structure import ProductStructure, StructurePart, Usage

NO_REVISION = "-"
_MAKE_BUY = {"MADE": MakeBuy.MAKE, "BOUGHT": MakeBuy.BUY}
_DEFINITIONS = ("PRODUCT_DEFINITION", "PRODUCT_DEFINITION_WITH_ASSOCIATED_DOCUMENTS")


def _text(value: Param) -> str:
    return value.strip() if isinstance(value, str) else ""


def _ref(value: Param) -> int:
    if not isinstance(value, Ref):
        raise refuse(UNREADABLE, f"STEP: expected an instance reference, found {value!r}")
    return value.id


def _attributes(instance: Instance, *names: str) -> list[Param]:
    """The attributes of the first of `names` the instance is (simple or complex)."""
    for name in names:
        if name in instance.parts:
            return instance.parts[name]
    return []


def _of_type(step: StepFile, *names: str) -> dict[int, list[Param]]:
    return {
        number: _attributes(inst, *names)
        for number, inst in step.instances.items()
        if inst.names & set(names)
    }


def _formations(step: StepFile) -> dict[int, list[Param]]:
    return {
        number: params
        for number, inst in step.instances.items()
        for name, params in inst.parts.items()
        if name.startswith("PRODUCT_DEFINITION_FORMATION")
    }


@dataclass(slots=True)
class _Placement:
    quantity: Decimal = Decimal(0)
    names: list[str] = field(default_factory=list)
    designators: list[str] = field(default_factory=list)


def _count(step: StepFile, occurrence: Instance) -> Decimal:
    """1 per occurrence, or the count a QUANTIFIED_ASSEMBLY_COMPONENT_USAGE gives."""
    quantified = occurrence.parts.get("QUANTIFIED_ASSEMBLY_COMPONENT_USAGE")
    if not quantified:
        return Decimal(1)
    measure = step.instances.get(_ref(quantified[-1]))
    value = _attributes(measure, "MEASURE_WITH_UNIT")[0] if measure else None
    value = value.value if isinstance(value, Typed) else value
    if not isinstance(value, Decimal):
        raise refuse(UNREADABLE, f"STEP #{occurrence.id}: quantity is not a number")
    return value


def _occurrence_link(occurrence: Instance) -> tuple[str, int, int, str]:
    """(name, relating definition, related definition, designator) of a simple NAUO
    (id, name, description, relating, related, designator) or of a complex instance."""
    simple = occurrence.parts.get("NEXT_ASSEMBLY_USAGE_OCCURRENCE") or []
    if len(simple) >= 5:
        designator = _text(simple[5]) if len(simple) > 5 else ""
        return _text(simple[1]) or _text(simple[0]), _ref(simple[3]), _ref(simple[4]), designator
    relation = occurrence.parts.get("PRODUCT_DEFINITION_RELATIONSHIP") or []
    if len(relation) < 5:
        raise refuse(UNREADABLE, f"STEP #{occurrence.id}: an assembly occurrence lacks its links")
    usage = occurrence.parts.get("ASSEMBLY_COMPONENT_USAGE") or [None]
    name = _text(relation[1]) or _text(relation[0])
    return name, _ref(relation[3]), _ref(relation[4]), _text(usage[-1])


@dataclass(frozen=True, slots=True)
class _Catalogue:
    """Definition id → product number, and the parts, read from one file."""

    numbers: Mapping[int, str]
    parts: tuple[StructurePart, ...]


def _catalogue(step: StepFile) -> _Catalogue:
    products = _of_type(step, "PRODUCT")
    formations = _formations(step)
    numbers: dict[int, str] = {}
    parts: dict[str, StructurePart] = {}
    for definition, params in _of_type(step, *_DEFINITIONS).items():
        formation = formations.get(_ref(params[2]))
        product = products.get(_ref(formation[2])) if formation else None
        if formation is None or product is None:
            raise refuse(DANGLING_REFERENCE, f"STEP #{definition}: definition of no product")
        number = _text(product[0]) or _text(product[1])
        numbers[definition] = number
        source = formation[3] if len(formation) > 3 else None
        parts.setdefault(
            number,
            StructurePart(
                number=number,
                revision=_text(formation[0]) or NO_REVISION,
                name=_text(product[1]) or number,
                description=_text(product[2]),
                make_buy=_MAKE_BUY.get(source.name) if isinstance(source, Enum) else None,
            ),
        )
    return _Catalogue(numbers, tuple(parts.values()))


def _placements(step: StepFile, numbers: Mapping[int, str]) -> dict[tuple[str, str], _Placement]:
    placements: dict[tuple[str, str], _Placement] = {}
    for inst in step.instances.values():
        if "NEXT_ASSEMBLY_USAGE_OCCURRENCE" not in inst.parts:
            continue
        name, relating, related, designator = _occurrence_link(inst)
        if relating not in numbers or related not in numbers:
            raise refuse(
                DANGLING_REFERENCE, f"STEP #{inst.id}: occurrence of an unknown definition"
            )
        placement = placements.setdefault((numbers[relating], numbers[related]), _Placement())
        placement.quantity += _count(step, inst)
        placement.names.append(name)
        if designator:
            placement.designators.append(designator)
    return placements


def read_step(data: bytes) -> ProductStructure:
    step = parse(decode(data)[0])
    catalogue = _catalogue(step)
    if not catalogue.parts:
        raise refuse(EMPTY, "the STEP file defines no PRODUCT with a PRODUCT_DEFINITION")
    usages = tuple(
        Usage(
            parent=parent,
            component=child,
            quantity=placement.quantity,
            designators=tuple(placement.designators),
            notes="occurrences: " + ", ".join(placement.names),
        )
        for (parent, child), placement in _placements(step, catalogue.numbers).items()
    )
    external = [_text(p[0]) for p in _of_type(step, "DOCUMENT_FILE").values() if p]
    provenance: dict[str, object] = {"schema": ", ".join(step.schemas)}
    if external:
        provenance["external_files"] = external
    return ProductStructure(catalogue.parts, usages, provenance=provenance)


def _join(structures: list[ProductStructure]) -> tuple[list[StructurePart], list[Usage]]:
    """Parts by number, first file first; a parent's lines from the first file that has any
    (a sub-assembly's own file and its parent's file must not both count its children)."""
    parts: dict[str, StructurePart] = {}
    usages: list[Usage] = []
    owner: dict[str, int] = {}
    for index, structure in enumerate(structures):
        for part in structure.parts:
            parts.setdefault(part.number, part)
        for usage in structure.usages:
            if owner.setdefault(usage.parent, index) == index:
                usages.append(usage)
    return list(parts.values()), usages


def read_step_assembly(path: Path, data: bytes) -> ProductStructure:
    """The structure of `path` and of every external file it (transitively) names that sits
    in the same folder."""
    structures: list[ProductStructure] = []
    read: list[str] = []
    missing: list[str] = []
    queue: deque[tuple[str, bytes | None]] = deque([(path.name, data)])
    seen = {path.name}
    while queue:
        name, content = queue.popleft()
        structure = read_step(content if content is not None else (path.parent / name).read_bytes())
        structures.append(structure)
        read.append(name)
        for external in structure.provenance.get("external_files", ()):
            if external in seen:
                continue
            seen.add(external)
            beside = Path(external).name == external and (path.parent / external).is_file()
            if beside:
                queue.append((external, None))
            else:
                missing.append(external)
    parts, usages = _join(structures)
    provenance: dict[str, object] = {"schema": structures[0].provenance["schema"]}
    provenance["files"] = read
    if missing:
        provenance["external_files_missing"] = missing
    return ProductStructure(tuple(parts), tuple(usages), provenance=provenance)
