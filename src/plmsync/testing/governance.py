"""Governance scenarios on the GP-40 samples: workflow states, an EU screw substitute, EU
sourcing and an export-controlled part, with the rules that act on them.

- `with_state(package, "in_work")`: the same change in another workflow state;
- `governed_release()`: REL-0007 plus SCR-M5X16-EU (the screw EU plants build with), an EU
  foundry for HSG-40, and the export-controlled drive gear GR-401 (ECCN 5A002);
- `EU_RULES`: EU plants substitute the screw and buy locally; `GOVERNANCE_RULES` adds that
  CN01 never gets export-controlled items. `compliance_changing()` makes the EU screw lose
  REACH, so the substitution changes a compliance attribute and needs a person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from plmsync.domain.package import ChangeKind, ChangePackage, ChangeState, Item, ItemSourcing
from plmsync.testing.packages import release_package

EU_SCREW = "SCR-M5X16-EU"
EU_FOUNDRY = "Gießerei Weber GmbH"
CONTROLLED = "GR-401"
ECCN = "5A002"

EU_RULES = """
rules:
  regions:
    EU:
      substitutions:
        - {replace: SCR-M5X16, by: SCR-M5X16-EU, name: EU screw}
      preferred_regions: [EU]
"""
GOVERNANCE_RULES = EU_RULES + """  export_control:
    excluded_plants: [CN01]
"""


def only_plants(package: ChangePackage, plants: Sequence[str], on: dt.date) -> ChangePackage:
    """The change for exactly these plants (a plant it did not name is added), each effective
    `on`; routings of other plants are dropped."""
    template = package.change.plants[0]
    effective = tuple(
        template.model_copy(update={"plant": plant, "effective_from": on}) for plant in plants
    )
    change = package.change.model_copy(update={"plants": effective})
    routings = tuple(r for r in package.routings if r.plant in plants)
    sources = tuple(_narrowed(s, plants) for s in package.sources if _kept(s, plants))
    update = {"change": change, "routings": routings, "sources": sources}
    return package.model_copy(update=update)


def _kept(source: ItemSourcing, plants: Sequence[str]) -> bool:
    return source.plants is None or any(p in plants for p in source.plants)


def _narrowed(source: ItemSourcing, plants: Sequence[str]) -> ItemSourcing:
    """A source meant for some plants, for those of them the change still names."""
    if source.plants is None:
        return source
    return source.model_copy(update={"plants": tuple(p for p in source.plants if p in plants)})


def as_eco(package: ChangePackage, number: str, event_id: str) -> ChangePackage:
    """The package's content as an approved ECO under its own event id."""
    change = package.change.model_copy(
        update={"number": number, "kind": ChangeKind.ECO, "state": ChangeState.APPROVED}
    )
    source = package.source.model_copy(update={"event_id": event_id})
    return package.model_copy(update={"change": change, "source": source})


def with_state(package: ChangePackage, state: str) -> ChangePackage:
    change = package.change.model_copy(update={"state": ChangeState(state)})
    return package.model_copy(update={"change": change})


def with_attributes(package: ChangePackage, number: str, **attributes: Any) -> ChangePackage:
    """One item with these attributes set (others kept)."""
    items = tuple(
        i.model_copy(update={"attributes": {**i.attributes, **attributes}})
        if i.number == number
        else i
        for i in package.items
    )
    return package.model_copy(update={"items": items})


def with_item_name(package: ChangePackage, number: str, name: str) -> ChangePackage:
    items = tuple(
        i.model_copy(update={"name": name}) if i.number == number else i for i in package.items
    )
    return package.model_copy(update={"items": items})


def governed_release(*, controlled: bool = True) -> ChangePackage:
    package = release_package()
    screw = next(i for i in package.items if i.number == "SCR-M5X16")
    package = package.model_copy(
        update={
            "items": (*package.items, _eu_screw(screw)),
            "sources": (*package.sources, _eu_foundry()),
        }
    )
    package = with_attributes(package, "SCR-M5X16", rohs=True, reach=True)
    package = with_attributes(package, EU_SCREW, rohs=True, reach=True)
    return with_attributes(package, CONTROLLED, export_control=ECCN) if controlled else package


def compliance_changing(package: ChangePackage) -> ChangePackage:
    """The EU screw is not REACH compliant: the EU substitution changes `reach`."""
    return with_attributes(package, EU_SCREW, reach=False)


def _eu_screw(screw: Item) -> Item:
    return screw.model_copy(update={"number": EU_SCREW, "name": "Socket screw M5x16, EU"})


def _eu_foundry() -> ItemSourcing:
    return ItemSourcing(
        item="HSG-40",
        manufacturer="Weber",
        mpn="GW-HSG-40",
        supplier=EU_FOUNDRY,
        regions=("EU",),
    )
