"""Query parameters are taken at their word: an unknown one (`?stat=open` for `?status=open`)
or a single-valued one given twice is refused (400), never silently ignored."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from plmsync.api.errors import BadRequest
from plmsync.api.openapi import operations_at, query_parameters

SHOWN = 5
REMEDY = "Use each parameter the OpenAPI document lists for this route at most once."


async def known_query(request: Request) -> None:
    operation = operations_at(request.app, request.url.path).get(request.method.lower(), {})
    declared = query_parameters(operation)
    unknown = sorted(set(request.query_params) - set(declared))
    if unknown:
        _refuse("unknown query parameter(s)", unknown)
    repeated = [
        name
        for name, schema in declared.items()
        if len(request.query_params.getlist(name)) > 1 and not _list(schema)
    ]
    if repeated:
        _refuse("query parameter(s) given more than once", repeated)


def _list(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "array"


def _refuse(what: str, names: list[str]) -> None:
    shown = ", ".join(repr(name[:40]) for name in names[:SHOWN])
    raise BadRequest(f"{what}: {shown}", code="PLMSYNC-API-QUERY-INVALID", remedy=REMEDY)
