"""The OpenAPI document: FastAPI's, plus the change-package contract and the problem body
as named components (routes that take a package read it as raw bytes, so FastAPI alone would
not know its schema). `schemas/openapi.json` is this document, committed."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from plmsync.api.models.problem import Problem
from plmsync.api.scopes import DESCRIPTIONS
from plmsync.api.security import TOKEN_URL
from plmsync.domain.package import ChangePackage

REF = "#/components/schemas/{model}"
OAUTH2 = {
    "type": "oauth2",
    "description": "How to get the bearer token every secured route takes.",
    "flows": {"clientCredentials": {"tokenUrl": TOKEN_URL, "scopes": DESCRIPTIONS}},
}


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
        spec["components"].setdefault("securitySchemes", {})["oauth2"] = OAUTH2
        app.openapi_schema = spec
    return app.openapi_schema


def operations_at(app: FastAPI, path: str) -> dict[str, Any]:
    """The documented operations (by lower-case method) of the path a request went to."""
    for template, operations in document(app)["paths"].items():
        if re.fullmatch(re.sub(r"\{[^/]+\}", "[^/]+", template), path):
            found: dict[str, Any] = operations
            return found
    return {}


def query_parameters(operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Name → schema of each query parameter an operation declares."""
    parameters = operation.get("parameters", ())
    return {p["name"]: p.get("schema", {}) for p in parameters if p.get("in") == "query"}


def install(app: FastAPI) -> None:
    app.openapi = lambda: document(app)  # type: ignore[method-assign]


def text(app: FastAPI) -> str:
    """As committed: sorted keys, two-space indent, a final newline."""
    return json.dumps(document(app), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
