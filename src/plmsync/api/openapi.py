"""The OpenAPI document: FastAPI's, plus the change-package contract and the problem body
as named components (routes that take a package read it as raw bytes, so FastAPI alone would
not know its schema). `schemas/openapi.json` is this document, committed."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from plmsync.api.models.problem import Problem
from plmsync.domain.package import ChangePackage

REF = "#/components/schemas/{model}"


def package_body(*, required: bool = True, description: str = "") -> dict[str, Any]:
    """`openapi_extra` of a route whose body is a change package (read raw)."""
    schema = {"$ref": REF.format(model="ChangePackage")}
    body = {"required": required, "content": {"application/json": {"schema": schema}}}
    return {"requestBody": body | ({"description": description} if description else {})}


def document(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        spec = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        for model in (ChangePackage, Problem):
            found = model.model_json_schema(ref_template=REF, mode="validation")
            schemas.update(found.pop("$defs", {}))
            schemas[model.__name__] = found
        app.openapi_schema = spec
    return app.openapi_schema


def install(app: FastAPI) -> None:
    app.openapi = lambda: document(app)  # type: ignore[method-assign]


def text(app: FastAPI) -> str:
    """As committed: sorted keys, two-space indent, a final newline."""
    return json.dumps(document(app), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
