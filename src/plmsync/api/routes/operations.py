"""Probes and metrics: `/healthz` (the process answers), `/readyz` (the state database and
every ERP target answer), `/metrics` (Prometheus; changes:read)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from plmsync.api.deps import ChangesReader, Services
from plmsync.api.models.operations import Health, Readiness
from plmsync.api.problems import AUTHENTICATED
from plmsync.api.views.operations import readiness
from plmsync.observability.metrics import CONTENT_TYPE

router = APIRouter(tags=["operations"])
PUBLIC = {"security": [], "x-plmsync-auth": "none"}


@router.get("/healthz", response_model=Health, openapi_extra=PUBLIC)
def healthz() -> Health:
    return Health()


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Not ready: see the failing checks."}},
    openapi_extra=PUBLIC,
)
def readyz(found: Services, response: Response) -> Readiness:
    checks = readiness(found.engine)
    ready = all(check.ok for check in checks)
    response.status_code = 200 if ready else 503
    return Readiness(ready=ready, checks=checks)


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE: {"schema": {"type": "string"}}}}, **AUTHENTICATED},
)
def metrics(_: ChangesReader, found: Services) -> Response:
    return Response(found.metrics.exposition(), media_type=CONTENT_TYPE)
