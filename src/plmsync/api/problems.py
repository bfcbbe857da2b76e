"""One handler maps plmsync's error tree to HTTP; every error leaves as problem+json.

ValidationFailed → 422 (every issue)      PackageRejected → 400 (every problem)
not found        → 404                    state conflict / replay refused → 409
Unauthenticated  → 401, Forbidden → 403   TooManyRequests → 429 + Retry-After
PayloadTooLarge  → 413                    ERP unreachable → 503, ERP refused → 502
ConfigError and anything unexpected → 500 with a code, never a stack trace.
"""

from __future__ import annotations

import math
import uuid
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from plmsync.api import errors as api
from plmsync.api.models.problem import IssueOut, Problem
from plmsync.api.openapi import operations_at
from plmsync.domain import errors as domain
from plmsync.engine.errors import NotFound, StateConflict
from plmsync.engine.replay import ReplayRefused
from plmsync.ports.clients import ClientExists
from plmsync.ports.reviews import ReviewNotFound

MEDIA_TYPE = "application/problem+json"
log = structlog.get_logger("plmsync.api")

# Most specific first: the first class the error is an instance of decides.
STATUS: tuple[tuple[type[domain.PlmsyncError], int], ...] = (
    (domain.ValidationFailed, 422),
    (domain.PackageRejected, 400),
    (api.OAuthError, 400),
    (api.BadRequest, 400),
    (api.Unauthenticated, 401),
    (api.WebhookRejected, 401),
    (api.Forbidden, 403),
    (NotFound, 404),
    (ReviewNotFound, 404),
    (api.ResourceNotFound, 404),
    (StateConflict, 409),
    (ReplayRefused, 409),
    (ClientExists, 409),
    (api.PayloadTooLarge, 413),
    (api.TooManyRequests, 429),
    (domain.TransientError, 503),
    (domain.ConnectorError, 502),
)


def status_of(error: domain.PlmsyncError) -> int:
    if isinstance(error, api.OAuthError):
        return error.status
    return next((code for kind, code in STATUS if isinstance(error, kind)), 500)


def problem(error: domain.PlmsyncError, status: int | None = None) -> JSONResponse:
    status = status or status_of(error)
    body = Problem(
        type=f"urn:plmsync:error:{error.code}",
        title=HTTPStatus(status).phrase,
        status=status,
        code=error.code,
        message=error.message,
        detail=error.message,
        remedy=error.remedy,
        **_extensions(error),
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=MEDIA_TYPE,
        headers=_headers(error),
    )


def _extensions(error: domain.PlmsyncError) -> dict[str, Any]:
    if isinstance(error, domain.ValidationFailed):
        return {"issues": [IssueOut.of(issue) for issue in error.issues]}
    if isinstance(error, domain.PackageRejected):
        return {"problems": list(error.problems)}
    if isinstance(error, api.OAuthError):
        return {"error": error.error}
    return {}


def _headers(error: domain.PlmsyncError) -> dict[str, str]:
    if isinstance(error, api.TooManyRequests | domain.RateLimited):
        return {"Retry-After": str(max(1, math.ceil(error.retry_after)))}
    if isinstance(error, api.Unauthenticated):
        return {"WWW-Authenticate": 'Bearer realm="plmsync"'}
    return {}


# --- handlers -----------------------------------------------------------------------------


async def _plmsync_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, domain.PlmsyncError)
    if status_of(error) >= 500:
        log.error("request.failed", code=error.code, message=error.message)
    return problem(error)


async def _request_invalid(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = [_describe(e) for e in error.errors()]
    message = "the request is not valid: " + "; ".join(problems)
    return problem(api.BadRequest(message, code="PLMSYNC-API-REQUEST-INVALID"), 422)


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    phrase = HTTPStatus(error.status_code).phrase
    response = problem(
        api.ApiError(str(error.detail or phrase), code=f"PLMSYNC-HTTP-{error.status_code}"),
        error.status_code,
    )
    response.headers.update(error.headers or {})
    if error.status_code == 405:
        response.headers["Allow"] = ", ".join(_allowed(request))
    return response


def _allowed(request: Request) -> list[str]:
    """Every method documented at this path (Starlette names only the first route's)."""
    return sorted(method.upper() for method in operations_at(request.app, request.url.path))


async def _unexpected(_request: Request, error: Exception) -> JSONResponse:
    incident = uuid.uuid4().hex[:12]
    log.error("request.crashed", incident=incident, error=type(error).__name__, exc_info=error)
    internal = domain.PlmsyncError(
        f"internal error (incident {incident}); the server log has the details",
        code="PLMSYNC-INTERNAL",
        remedy="Report the incident id to the plmsync administrators.",
    )
    return problem(internal, 500)


def _describe(error: Any) -> str:
    where = ".".join(str(part) for part in error.get("loc", ())) or "request"
    return f"{where}: {error.get('msg', 'invalid')}"


def install(app: FastAPI) -> None:
    app.add_exception_handler(domain.PlmsyncError, _plmsync_error)
    app.add_exception_handler(RequestValidationError, _request_invalid)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)


# --- OpenAPI: the error answers each route documents ----------------------------------------

_REF = {"$ref": "#/components/schemas/Problem"}


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {MEDIA_TYPE: {"schema": _REF}},
            **({"headers": _RETRY_AFTER} if status == 429 else {}),
        }
        for status in statuses
    }


_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}}
AUTHENTICATED = documented(401, 403, 429)
