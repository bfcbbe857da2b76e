"""Plants and what their ERP holds now."""

from __future__ import annotations

from pydantic import BaseModel, Field


class PlantOut(BaseModel):
    code: str
    name: str = ""
    region: str = ""
    target: str
    target_kind: str


class PlantList(BaseModel):
    plants: list[PlantOut]


class ItemOut(BaseModel):
    number: str
    revision: str
    name: str
    uom: str
    item_type: str
    make_buy: str
    description: str = ""


class BomLineOut(BaseModel):
    find_number: int
    component: str
    quantity: str = Field(description="Exact decimal, as text.")
    uom: str
    reference_designators: list[str] = Field(default_factory=list)


class BomOut(BaseModel):
    item: str
    revision: str
    lines: list[BomLineOut]


class ItemView(BaseModel):
    plant: str
    number: str
    exists: bool
    revision: str | None = None
    item: ItemOut | None = None
    bom: BomOut | None = Field(default=None, description="The BOM in use, with its lines.")
