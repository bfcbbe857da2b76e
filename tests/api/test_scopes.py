"""No route is usable without its scope: every operation of the OpenAPI document either
declares exactly one OAuth2 scope — and then answers 401 without a token, 403 with a token
lacking that scope, and lets a token holding it (or `admin`) through — or is one of the few
public ones, each saying how it is authenticated instead."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from plmsync.api.app import create_app, routes_app
from plmsync.api.bootstrap import close_services
from plmsync.api.openapi import document
from plmsync.api.scopes import Scope
from plmsync.api.services import ApiServices
from tests.api.conftest import RELEASE, bearer, services_for

PUBLIC = {
    ("post", "/oauth/token"): "client-credentials",
    ("post", "/v1/events"): "webhook-signature",
    ("get", "/healthz"): "none",
    ("get", "/readyz"): "none",
}
PATH_VALUES = {"number": "REL-0007", "plant": "US01", "letter": "1", "task": "1"}


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    paths = document(routes_app())["paths"]
    return [(m, p, op) for p, ops in paths.items() for m, op in ops.items()]


OPERATIONS = _operations()
SECURED = [(m, p, op["security"][0]["bearer"][0]) for m, p, op in OPERATIONS if op.get("security")]


def _url(path: str) -> str:
    return path.format(**PATH_VALUES)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServices]:
    services = services_for(Path(tmp_path_factory.mktemp("scopes")), rate_limit_burst=10_000)
    yield services
    close_services(services)


@pytest.fixture(scope="module")
def api(shared: ApiServices) -> Iterator[TestClient]:
    with TestClient(create_app(shared), raise_server_exceptions=False) as client:
        yield client


def _send(api: TestClient, method: str, path: str, headers: dict[str, str]) -> int:
    body = RELEASE if method == "post" else None
    return api.request(method.upper(), _url(path), content=body, headers=headers).status_code


def test_every_operation_declares_one_scope_or_how_else_it_authenticates() -> None:
    for method, path, operation in OPERATIONS:
        security = operation.get("security")
        if security:
            (requirement,) = security
            (scope,) = requirement["bearer"]
            assert scope in set(Scope), (method, path)
        else:
            assert operation.get("x-plmsync-auth") == PUBLIC[(method, path)], (method, path)
    assert len(SECURED) + len(PUBLIC) == len(OPERATIONS)


@pytest.mark.parametrize(("method", "path", "scope"), SECURED)
def test_without_a_token_every_secured_route_is_401(
    api: TestClient, method: str, path: str, scope: str
) -> None:
    assert _send(api, method, path, {}) == 401
    assert _send(api, method, path, {"Authorization": "Bearer not-a-token"}) == 401


@pytest.mark.parametrize(("method", "path", "scope"), SECURED)
def test_a_token_without_the_scope_is_403(
    api: TestClient, shared: ApiServices, method: str, path: str, scope: str
) -> None:
    others = [s for s in Scope if s not in (scope, Scope.ADMIN)]
    assert _send(api, method, path, bearer(shared, *others)) == 403


@pytest.mark.parametrize(("method", "path", "scope"), SECURED)
def test_the_scope_or_admin_lets_the_request_through(
    api: TestClient, shared: ApiServices, method: str, path: str, scope: str
) -> None:
    for granted in (scope, Scope.ADMIN):
        assert _send(api, method, path, bearer(shared, granted)) not in (401, 403, 500)


def test_the_webhook_needs_its_signature_even_with_an_admin_token(
    api: TestClient, shared: ApiServices
) -> None:
    assert _send(api, "post", "/v1/events", bearer(shared, Scope.ADMIN)) == 401
