"""The change history the reliability scenarios deliver: a release and full revisions of it.

`history(shape, n)` is REL-1 (every assembly at revision A) followed by n-1 complete packages,
each revising about a third of the assemblies to the next letter (the generator's ECO
content — a quantity change and a component swap per BOM, drawing and routings following —
merged into the whole product). Complete packages, so that any one of them is valid on an
empty ERP: revisions can then arrive in any order and the newest must still win.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from typing import Any

from plmsync import generator
from plmsync.domain.package import ChangePackage

PLANTS = (("US01", "NA"), ("DE01", "EU"), ("MX01", "NA"))
SHAPE = generator.Shape(items=110, lines=260, depth=3, plants=PLANTS, seed=5)


def history(shape: generator.Shape = SHAPE, revisions: int = 7) -> list[ChangePackage]:
    current = generator.release(shape, number="REL-1")
    packages = [current]
    for n in range(2, revisions + 1):
        number = f"REL-{n}"
        eco = generator.eco(current, fraction=0.3, seed=n, number=number)
        current = _merged(current, _relabelled(eco, string.ascii_uppercase[n - 1]), number)
        packages.append(current)
    return packages


def _relabelled(eco: ChangePackage, revision: str) -> ChangePackage:
    """The generator's ECO always goes to revision B; the n-th revision is the n-th letter."""

    def at(records: Iterable[Any]) -> tuple[Any, ...]:
        return tuple(r.model_copy(update={"revision": revision}) for r in records)

    return eco.model_copy(
        update={
            "items": at(eco.items),
            "boms": at(eco.boms),
            "routings": at(eco.routings),
            "documents": at(eco.documents),
        }
    )


def _merged(base: ChangePackage, eco: ChangePackage, number: str) -> ChangePackage:
    def newest(old: Iterable[Any], new: Iterable[Any], key: str) -> tuple[Any, ...]:
        kept = {_key(r, key): r for r in old}
        kept.update({_key(r, key): r for r in new})
        return tuple(kept.values())

    package = base.model_copy(
        update={
            "source": eco.source,
            "change": base.change.model_copy(update={"number": number}),
            "items": newest(base.items, eco.items, "number"),
            "boms": newest(base.boms, eco.boms, "item"),
            "routings": newest(base.routings, eco.routings, "item+plant"),
            "documents": newest(base.documents, eco.documents, "number"),
        }
    )
    return ChangePackage.model_validate_json(package.model_dump_json())  # validated anew


def _key(record: Any, key: str) -> tuple[str, ...]:
    return tuple(str(getattr(record, part)) for part in key.split("+"))
