"""`create_app`: the FastAPI application over assembled services (`bootstrap.py`)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from fastapi import Depends, FastAPI
from fastapi.responses import RedirectResponse

from plmsync.api import openapi, problems
from plmsync.api.limits import BodySizeLimit
from plmsync.api.problems import documented
from plmsync.api.query import known_query
from plmsync.api.routes import audit, changes, dead_letters, erp, events, oauth, operations, reviews
from plmsync.api.services import ApiServices
from plmsync.config import ApiConfig
from plmsync.dashboard.app import create_dashboard

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]
ROUTERS = (
    oauth.router,
    events.router,
    changes.router,
    erp.router,
    dead_letters.router,
    reviews.router,
    audit.router,
    operations.router,
)
DESCRIPTION = """Keeps ERPs in step with PLM: submit released changes, follow them per plant,
handle dead letters and reviews, read the audit trail.

Authentication: OAuth2 client credentials (`POST /oauth/token`), then a bearer token; each
route names the scope it needs. The PLM webhook (`POST /v1/events`) is authenticated by its
Standard Webhooks signature instead. Every error is `application/problem+json` with a stable
`code`, a `message` and a `remedy`."""


def create_app(services: ApiServices, *, lifespan: Lifespan | None = None) -> FastAPI:
    app = routes_app(services.config.api.max_body_bytes, lifespan=lifespan)
    app.state.services = services
    app.mount("/ui", create_dashboard(services))
    app.add_api_route("/", _to_dashboard, include_in_schema=False)
    return app


def _to_dashboard() -> RedirectResponse:
    return RedirectResponse("/ui/", status_code=307)


def routes_app(
    max_body_bytes: int = ApiConfig().max_body_bytes, *, lifespan: Lifespan | None = None
) -> FastAPI:
    """The application without services: enough to produce its OpenAPI document."""
    app = FastAPI(
        title="plmsync",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        dependencies=[Depends(known_query)],
        responses=documented(400),
    )
    for router in ROUTERS:
        app.include_router(router)
    problems.install(app)
    openapi.install(app)
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)
    return app
