"""OAuth2 client credentials: a client gets a short-lived token with its scopes; wrong,
revoked, expired or forged credentials prove nothing."""

from __future__ import annotations

import base64
import datetime as dt
import os
import stat
from pathlib import Path

import jwt
import pytest
from fastapi.testclient import TestClient

from plmsync.api.clients import ClientRegistry, ScryptHasher
from plmsync.api.services import ApiServices
from plmsync.api.tokens import KEY_FILE, TokenIssuer, signing_key
from plmsync.domain.errors import ConfigError

SCOPES = ("changes:read", "changes:write")


def _client(services: ApiServices, *scopes: str) -> tuple[str, str]:
    record, secret = services.clients.add("plm", scopes or SCOPES, services.now())
    return record.name, secret


def _token(client: TestClient, **form: str) -> dict[str, object]:
    response = client.post("/oauth/token", data={"grant_type": "client_credentials", **form})
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_client_credentials_give_a_short_lived_bearer_token_with_the_client_scopes(
    client: TestClient, services: ApiServices
) -> None:
    name, secret = _client(services)
    token = _token(client, client_id=name, client_secret=secret)
    assert (token["token_type"], token["expires_in"]) == ("Bearer", 900)
    assert token["scope"] == "changes:write changes:read"
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert client.get("/v1/plants", headers=headers).status_code == 200


def test_http_basic_client_authentication_works_too(
    client: TestClient, services: ApiServices
) -> None:
    name, secret = _client(services)
    basic = base64.b64encode(f"{name}:{secret}".encode()).decode()
    response = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 200


def test_a_token_can_be_narrowed_but_not_widened(client: TestClient, services: ApiServices) -> None:
    name, secret = _client(services)
    narrow = _token(client, client_id=name, client_secret=secret, scope="changes:read")
    headers = {"Authorization": f"Bearer {narrow['access_token']}"}
    assert client.post("/v1/changes", content=b"{}", headers=headers).status_code == 403
    wide = client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": name,
            "client_secret": secret,
            "scope": "admin",
        },
    )
    assert (wide.status_code, wide.json()["error"]) == (400, "invalid_scope")


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"client_secret": "pls_wrong"}, 401, "invalid_client"),
        ({"client_id": "nobody"}, 401, "invalid_client"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
    ],
)
def test_bad_credentials_or_grants_are_refused_the_oauth_way(
    client: TestClient, services: ApiServices, form: dict[str, str], status: int, error: str
) -> None:
    name, secret = _client(services)
    data = {"grant_type": "client_credentials", "client_id": name, "client_secret": secret}
    response = client.post("/oauth/token", data=data | form)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["error"] == error


def test_revoking_a_client_stops_its_tokens_at_once(
    client: TestClient, services: ApiServices
) -> None:
    name, secret = _client(services)
    token = _token(client, client_id=name, client_secret=secret)
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    services.clients.revoke(name, services.now())
    assert client.get("/v1/plants", headers=headers).status_code == 401
    again = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": name, "client_secret": secret},
    )
    assert again.status_code == 401


def test_expired_and_forged_tokens_are_401(client: TestClient, services: ApiServices) -> None:
    name, _ = _client(services)
    old = services.now() - dt.timedelta(hours=1)
    expired = services.tokens.issue(name, SCOPES, old)
    forged = TokenIssuer(b"k" * 32, dt.timedelta(minutes=5)).issue(name, ("admin",), old)
    none_alg = jwt.encode({"sub": name, "scope": "admin"}, key=None, algorithm="none")
    for token in (expired, forged, none_alg, "garbage"):
        response = client.get("/v1/plants", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_secrets_are_stored_as_scrypt_hashes_only(services: ApiServices) -> None:
    name, secret = _client(services)
    record = services.clients.store.client(name)
    assert record is not None
    assert record.secret_hash.startswith("scrypt$16384$8$1$")
    assert secret not in record.secret_hash
    hasher = ScryptHasher()
    assert hasher.verify(secret, record.secret_hash)
    assert not hasher.verify(secret + "x", record.secret_hash)
    assert not hasher.verify(secret, "md5$whatever")


def test_unknown_scopes_and_odd_names_are_refused(services: ApiServices) -> None:
    registry: ClientRegistry = services.clients
    with pytest.raises(ConfigError, match="unknown scope"):
        registry.add("plm", ["changes:delete"], services.now())
    with pytest.raises(ConfigError, match="not allowed"):
        registry.add("a b", ["admin"], services.now())


def test_the_embedded_signing_key_is_generated_once_with_mode_0600(tmp_path: Path) -> None:
    first = signing_key(None, tmp_path, {})
    assert len(first) >= 32
    assert stat.S_IMODE((tmp_path / KEY_FILE).stat().st_mode) == 0o600
    assert signing_key(None, tmp_path, {}) == first
    os.chmod(tmp_path / KEY_FILE, 0o644)
    with pytest.raises(ConfigError, match="other users") as refused:
        signing_key(None, tmp_path, {})
    assert "chmod 600" in refused.value.remedy


def test_a_signing_key_from_the_environment_is_used_and_must_be_set(tmp_path: Path) -> None:
    assert signing_key("PLMSYNC_KEY", tmp_path, {"PLMSYNC_KEY": "x" * 40}) == b"x" * 40
    with pytest.raises(ConfigError, match="PLMSYNC_KEY"):
        signing_key("PLMSYNC_KEY", tmp_path, {})
    with pytest.raises(ConfigError, match="32"):
        TokenIssuer(b"short", dt.timedelta(minutes=5))
    assert not (tmp_path / KEY_FILE).exists()
