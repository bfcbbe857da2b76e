"""Dependencies as `Annotated` aliases: a route's signature says what it needs and which
scope it requires."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request, Security

from plmsync.api.scopes import Scope
from plmsync.api.security import Principal, authenticated, services
from plmsync.api.services import ApiServices
from plmsync.engine.service import Engine


def engine(found: Annotated[ApiServices, Depends(services)]) -> Engine:
    return found.engine


async def raw_body(request: Request) -> bytes:
    """The body exactly as sent: the inbox stores these bytes, and signatures cover them."""
    return await request.body()


MAX_ID = 2**63 - 1  # a store id is a 64-bit integer

Services = Annotated[ApiServices, Depends(services)]
StoreId = Annotated[int, Path(ge=1, le=MAX_ID, description="Numeric id.")]
EngineDep = Annotated[Engine, Depends(engine)]
RawBody = Annotated[bytes, Depends(raw_body)]

ChangesReader = Annotated[Principal, Security(authenticated, scopes=[Scope.CHANGES_READ])]
ChangesWriter = Annotated[Principal, Security(authenticated, scopes=[Scope.CHANGES_WRITE])]
Reviewer = Annotated[Principal, Security(authenticated, scopes=[Scope.REVIEWS_APPROVE])]
DeadLetterManager = Annotated[Principal, Security(authenticated, scopes=[Scope.DEADLETTERS_MANAGE])]
