"""Plants and the live state of one item in a plant's ERP."""

from __future__ import annotations

from plmsync.api.errors import ResourceNotFound
from plmsync.api.models.erp import BomLineOut, BomOut, ItemOut, ItemView, PlantOut
from plmsync.config import WorkspaceConfig
from plmsync.domain.state import BomRecord, ItemRecord
from plmsync.engine.service import Engine


def plants(config: WorkspaceConfig) -> list[PlantOut]:
    return [
        PlantOut(
            code=code,
            name=plant.name,
            region=plant.region,
            target=plant.target,
            target_kind=config.targets[plant.target].kind,
        )
        for code, plant in sorted(config.plants.items())
    ]


def item_view(engine: Engine, plant: str, number: str) -> ItemView:
    target = engine.pipeline.targets.get(plant)
    if target is None:
        raise ResourceNotFound(
            f"plant {plant!r} is not configured", remedy="List the plants with GET /v1/plants."
        )
    state = target.read([number])
    item, bom = state.items.get(number), state.boms.get(number)
    return ItemView(
        plant=plant,
        number=number,
        exists=item is not None,
        revision=item.revision if item else None,
        item=_item(item) if item else None,
        bom=_bom(bom) if bom else None,
    )


def _item(item: ItemRecord) -> ItemOut:
    return ItemOut(
        number=item.number,
        revision=item.revision,
        name=item.name,
        uom=item.uom,
        item_type=item.item_type,
        make_buy=item.make_buy,
        description=item.description,
    )


def _bom(bom: BomRecord) -> BomOut:
    return BomOut(
        item=bom.item,
        revision=bom.revision,
        lines=[
            BomLineOut(
                find_number=line.find_number,
                component=line.component,
                quantity=str(line.quantity),
                uom=line.uom,
                reference_designators=list(line.reference_designators),
            )
            for line in bom.lines
        ],
    )
