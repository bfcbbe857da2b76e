"""Plants and what their ERP holds: synchronous look-ups, reading only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from plmsync.api.deps import ChangesReader, EngineDep, Services
from plmsync.api.models.erp import ItemView, PlantList
from plmsync.api.problems import AUTHENTICATED, documented
from plmsync.api.views import erp as views

router = APIRouter(prefix="/v1", tags=["plants"], responses=AUTHENTICATED)
Code = Annotated[str, Path(min_length=1, max_length=120)]


@router.get("/plants", response_model=PlantList)
def list_plants(_: ChangesReader, found: Services) -> PlantList:
    """The configured plants, their region and the ERP target each posts to."""
    return PlantList(plants=views.plants(found.config))


@router.get(
    "/erp/{plant}/items/{number}",
    response_model=ItemView,
    responses=documented(404, 422, 502, 503),
)
def show_item(_: ChangesReader, engine: EngineDep, plant: Code, number: Code) -> ItemView:
    """Does the plant's ERP have this item, at which revision, with which BOM in use?"""
    return views.item_view(engine, plant, number)
