"""`POST /oauth/token`: the OAuth2 client-credentials grant (RFC 6749 §4.4).

The client authenticates with `client_id` and `client_secret` in the form, or with HTTP
Basic. The token carries the scopes asked for (`scope`, space-separated), or every scope the
client has; asking for one it lacks is `invalid_scope`. Attempts are rate limited per
client id, so secrets cannot be guessed quickly.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import APIRouter, Form, Header

from plmsync.api.deps import Services
from plmsync.api.errors import OAuthError
from plmsync.api.models.operations import TokenOut
from plmsync.api.problems import documented
from plmsync.api.security import TOKEN_URL, limit
from plmsync.ports.clients import ClientRecord

router = APIRouter(tags=["oauth"])
Field = Annotated[str | None, Form(max_length=512)]


@router.post(
    TOKEN_URL,
    response_model=TokenOut,
    responses=documented(400, 401, 413, 422, 429),
    openapi_extra={"security": [], "x-plmsync-auth": "client-credentials"},
)
def token(
    found: Services,
    grant_type: Annotated[str, Form(max_length=64)],
    client_id: Field = None,
    client_secret: Field = None,
    scope: Field = None,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> TokenOut:
    if grant_type != "client_credentials":
        raise OAuthError("unsupported_grant_type", "only grant_type=client_credentials is served")
    name, secret = _credentials(client_id, client_secret, authorization)
    limit(found, f"token:{name}")
    client = found.clients.authenticate(name, secret)
    if client is None:
        raise OAuthError("invalid_client", "unknown client, wrong secret, or revoked", status=401)
    scopes = _granted(client, scope)
    access = found.tokens.issue(client.name, scopes, found.now())
    expires_in = int(found.tokens.ttl.total_seconds())
    return TokenOut(access_token=access, expires_in=expires_in, scope=" ".join(scopes))


def _credentials(
    client_id: str | None, client_secret: str | None, authorization: str | None
) -> tuple[str, str]:
    if client_id and client_secret:
        return client_id, client_secret
    scheme, _, encoded = (authorization or "").partition(" ")
    if scheme.lower() == "basic":
        try:
            name, _, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            name = secret = ""
        if name and secret:
            return name, secret
    raise OAuthError("invalid_client", "no client credentials in the request", status=401)


def _granted(client: ClientRecord, asked: str | None) -> tuple[str, ...]:
    if not asked:
        return client.scopes
    wanted = tuple(dict.fromkeys(asked.split()))
    missing = [s for s in wanted if s not in client.scopes]
    if missing:
        raise OAuthError("invalid_scope", f"scope(s) not granted to this client: {missing}")
    return wanted
