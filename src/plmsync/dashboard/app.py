"""The dashboard as a FastAPI sub-application, mounted at `/ui` by `plmsync.api.app`.

A sub-application of its own: its pages are not API operations (they stay out of the OpenAPI
document and the API's query checks), and its errors are pages, not problem documents.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from plmsync.api.services import ApiServices
from plmsync.dashboard import pages
from plmsync.dashboard.session import LoginRequired, NotPermitted
from plmsync.dashboard.templating import templates
from plmsync.engine.facts import FactReader

STATIC = Path(__file__).parent / "static"


def create_dashboard(services: ApiServices) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.state.services = services
    app.state.facts = FactReader(services.engine.store)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(pages.router)
    app.add_exception_handler(LoginRequired, _to_login)
    app.add_exception_handler(NotPermitted, _not_permitted)
    return app


async def _to_login(request: Request, _: Exception) -> Response:
    root = request.scope.get("root_path", "")
    path = request.url.path.removeprefix(root) or "/"  # relative to the dashboard
    back = quote(path + (f"?{request.url.query}" if request.url.query else ""))
    target = f"{root}/login?next={back}"
    if request.headers.get("hx-request"):
        # an htmx fragment cannot show a page: tell htmx to navigate instead
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


async def _not_permitted(request: Request, error: Exception) -> HTMLResponse:
    needed = error.needed if isinstance(error, NotPermitted) else ""
    return templates.TemplateResponse(
        request, "forbidden.html", {"needed": needed, "viewer": None}, status_code=403
    )
