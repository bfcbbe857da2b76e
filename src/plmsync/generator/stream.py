"""A stream of ECOs over a release, as a PLM sends them one after another.

Each ECO revises one to a few assemblies to their next revision (A → B → … → Z → AA), with
one edit of its BOM each, drawn from a realistic mix: quantity changes, component
substitutions, added and removed lines, a substitute added to a line, or a revision bump
with the BOM unchanged (a drawing-only change). The drawing and every plant's routing follow
the revision. Some ECOs cut over later in some plants than in others (future effectivity per
plant). Approvals are `Stream.every` apart from `Stream.start`.

Every ECO carries its revised assemblies and any part the stream introduced that its BOMs
use, and refers to the release's own parts without carrying them (as a PLM does): it is
valid once the release is in the ERP. Seeded: the same release, plants and stream give
byte-identical ECOs.
"""

from __future__ import annotations

import datetime as dt
import random
import string
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from plmsync.domain.package import Bom, BomLine, ChangePackage, Item, Routing, Substitute
from plmsync.generator.release import EPOCH, bought_part, drawing, source_envelope, sources_for

Plants = tuple[tuple[str, str], ...]  # (plant code, region)
_REASONS = ("cost reduction", "supplier change", "field failure", "obsolescence", "new option")
_LATER_BY_DAYS = (14, 30, 60)
_NEW_PART_SHARE = 0.3  # of added lines, the share that brings a part new to the product


class Edit(StrEnum):
    QUANTITY = "quantity"
    SUBSTITUTION = "substitution"  # the line's component replaced
    ADD = "add"
    REMOVE = "remove"
    SUBSTITUTE = "substitute"  # a substitute added to a line
    REVISION = "revision"  # revision bump, BOM unchanged


_WEIGHTS = {
    Edit.QUANTITY: 4,
    Edit.SUBSTITUTION: 2,
    Edit.ADD: 2,
    Edit.REMOVE: 1,
    Edit.SUBSTITUTE: 1,
    Edit.REVISION: 1,
}


@dataclass(frozen=True)
class Stream:
    count: int = 200
    assemblies: int = 3  # at most, per ECO
    later_plants: float = 0.15  # share of ECOs where some plants cut over weeks later
    start: dt.datetime = EPOCH  # the first approval
    every: dt.timedelta = dt.timedelta(minutes=30)  # between approvals
    seed: int = 13
    prefix: str = "ECO"


def eco_stream(base: ChangePackage, plants: Plants, stream: Stream) -> list[ChangePackage]:
    product = _Product.of(base)
    rng = random.Random(stream.seed)
    return [_next_eco(product, n, plants, stream, rng) for n in range(stream.count)]


def next_revision(revision: str) -> str:
    """A → B, Z → AA, AZ → BA (letters only, as the generator writes them)."""
    letters = string.ascii_uppercase
    digits = [letters.index(c) for c in revision]
    for position in range(len(digits) - 1, -1, -1):
        if digits[position] < 25:
            digits[position] += 1
            return "".join(letters[d] for d in digits)
        digits[position] = 0
    return "A" + "".join(letters[d] for d in digits)


@dataclass
class _Product:
    """The product as the stream has revised it so far."""

    items: dict[str, Item]
    boms: dict[str, Bom]
    routings: dict[str, list[Routing]]
    parts: list[str]  # the release's bought parts in EA: swaps and adds pick from these
    new_parts: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, base: ChangePackage) -> _Product:
        routings: dict[str, list[Routing]] = {}
        for routing in base.routings:
            routings.setdefault(routing.item, []).append(routing)
        return cls(
            items={i.number: i for i in base.items},
            boms={b.item: b for b in base.boms},
            routings=routings,
            parts=sorted(i.number for i in base.items if i.item_type == "part" and i.uom == "EA"),
        )

    def introduce_part(self) -> str:
        number = f"N-{len(self.new_parts) + 1:06d}"
        self.new_parts.append(number)
        return number


@dataclass(frozen=True)
class _Revised:
    bom: Bom
    from_revision: str


def _next_eco(
    product: _Product, n: int, plants: Plants, stream: Stream, rng: random.Random
) -> ChangePackage:
    number = f"{stream.prefix}-{n + 1:04d}"
    approved = stream.start + n * stream.every
    how_many = min(len(product.boms), rng.randint(1, stream.assemblies))
    already_new = len(product.new_parts)
    revised = [_revise(product, item, rng) for item in rng.sample(sorted(product.boms), how_many)]
    boms = [r.bom for r in revised]
    used_new = sorted(
        {line.component for bom in boms for line in bom.lines} & set(product.new_parts)
    )
    raw = {
        "schema_version": "1",
        "source": source_envelope(number, approved),
        "change": {
            **_change(number, approved, revised, product.new_parts[already_new:]),
            "reason": rng.choice(_REASONS),
            "plants": _effectivity(approved.date(), plants, stream.later_plants, rng),
        },
        "items": [product.items[b.item].model_dump(mode="json") for b in boms]
        + [bought_part(p) for p in used_new],
        "boms": [b.model_dump(mode="json") for b in boms],
        "routings": [r.model_dump(mode="json") for b in boms for r in product.routings[b.item]],
        "documents": [drawing(b.item, b.revision) for b in boms],
        "sources": [s for p in used_new for s in sources_for(p, plants)],
    }
    return ChangePackage.model_validate(raw)


def _change(
    number: str,
    approved: dt.datetime,
    revised: list[_Revised],
    introduced: list[str],
) -> dict[str, Any]:
    at = approved.isoformat()
    affected = [
        {"number": r.bom.item, "from_revision": r.from_revision, "to_revision": r.bom.revision}
        for r in revised
    ] + [{"number": p, "to_revision": "A"} for p in introduced]
    return {
        "number": number,
        "kind": "eco",
        "state": "approved",
        "title": f"Revise {', '.join(r.bom.item for r in revised)}",
        "approved_at": at,
        "approvals": [{"approver": "gen", "role": "engineering_manager", "at": at}],
        "affected_items": affected,
    }


def _effectivity(
    day: dt.date, plants: Plants, later_share: float, rng: random.Random
) -> list[dict[str, str]]:
    """Every plant on the approval day, or (for `later_share` of the ECOs) some of them
    weeks later, each by its own delay."""
    codes = [code for code, _ in plants]
    later: dict[str, int] = {}
    if len(codes) > 1 and rng.random() < later_share:
        for code in rng.sample(codes, rng.randint(1, len(codes) - 1)):
            later[code] = rng.choice(_LATER_BY_DAYS)
    return [
        {"plant": c, "effective_from": (day + dt.timedelta(days=later.get(c, 0))).isoformat()}
        for c in codes
    ]


# --- one assembly's next revision ------------------------------------------------------------


def _revise(product: _Product, item: str, rng: random.Random) -> _Revised:
    """The assembly at its next revision with one edit of its BOM (the product follows)."""
    before = product.boms[item]
    edit = rng.choices(list(_WEIGHTS), list(_WEIGHTS.values()))[0]
    lines = _EDITS[edit](product, list(before.lines), rng)
    revision = next_revision(before.revision)
    bom = before.model_copy(update={"revision": revision, "lines": tuple(lines)})
    product.boms[item] = bom
    product.items[item] = product.items[item].model_copy(update={"revision": revision})
    product.routings[item] = [
        r.model_copy(update={"revision": revision}) for r in product.routings.get(item, [])
    ]
    return _Revised(bom, before.revision)


Lines = list[BomLine]


def _quantity(product: _Product, lines: Lines, rng: random.Random) -> Lines:
    at = rng.randrange(len(lines))
    lines[at] = lines[at].model_copy(update={"quantity": lines[at].quantity + Decimal(1)})
    return lines


def _substitution(product: _Product, lines: Lines, rng: random.Random) -> Lines:
    at = rng.randrange(len(lines))
    new = _unused_part(product, lines, rng)
    lines[at] = lines[at].model_copy(
        update={"component": new, "uom": "EA", "quantity": Decimal(1), "substitutes": ()}
    )
    return lines


def _add(product: _Product, lines: Lines, rng: random.Random) -> Lines:
    fresh = rng.random() < _NEW_PART_SHARE
    component = product.introduce_part() if fresh else _unused_part(product, lines, rng)
    find_number = max(line.find_number for line in lines) + 10
    quantity = Decimal(rng.choice((1, 2, 4)))
    return [
        *lines,
        BomLine(find_number=find_number, component=component, quantity=quantity, uom="EA"),
    ]


def _remove(product: _Product, lines: Lines, rng: random.Random) -> Lines:
    if len(lines) <= 2:  # keep an assembly an assembly
        return _quantity(product, lines, rng)
    del lines[rng.randrange(len(lines))]
    return lines


def _substitute(product: _Product, lines: Lines, rng: random.Random) -> Lines:
    bare = [n for n, line in enumerate(lines) if line.uom == "EA" and not line.substitutes]
    if not bare:
        return _quantity(product, lines, rng)
    at = rng.choice(bare)
    substitute = Substitute(component=_unused_part(product, lines, rng), priority=1)
    lines[at] = lines[at].model_copy(update={"substitutes": (substitute,)})
    return lines


def _revision_only(product: _Product, lines: Lines, rng: random.Random) -> Lines:
    return lines


_EDITS = {
    Edit.QUANTITY: _quantity,
    Edit.SUBSTITUTION: _substitution,
    Edit.ADD: _add,
    Edit.REMOVE: _remove,
    Edit.SUBSTITUTE: _substitute,
    Edit.REVISION: _revision_only,
}


def _unused_part(product: _Product, lines: Lines, rng: random.Random) -> str:
    """A release part the BOM does not use yet, neither as a line nor as a substitute."""
    used = {line.component for line in lines}
    used |= {s.component for line in lines for s in line.substitutes}
    return next(p for p in rng.sample(product.parts, min(len(product.parts), 64)) if p not in used)
