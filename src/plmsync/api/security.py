"""Who is calling, and may they: bearer tokens with OAuth2 scopes, checked per route.

Every route states its scope with `Security(authenticated, scopes=[...])` (see `deps.py`),
which also documents it in OpenAPI. A request passes when its token verifies, its client is
still active (revocation takes effect at once, not at token expiry), the client's rate limit
allows it, and the token holds the scope (or `admin`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, SecurityScopes

from plmsync.api.errors import Forbidden, TooManyRequests, Unauthenticated
from plmsync.api.scopes import allows
from plmsync.api.services import ApiServices
from plmsync.api.tokens import Claims, InvalidToken

TOKEN_URL = "/oauth/token"

# Documented as an HTTP bearer scheme whose requirement lists the scope (OpenAPI 3.1 roles),
# so generic tools can tell a route needs a token; `openapi.py` adds the OAuth2
# client-credentials flow (token URL, scope descriptions) beside it.
bearer = HTTPBearer(
    scheme_name="bearer",
    bearerFormat="JWT",
    description=f"A token from POST {TOKEN_URL} (client credentials) holding the listed scope.",
    auto_error=False,
)
Credentials = HTTPAuthorizationCredentials


@dataclass(frozen=True)
class Principal:
    client: str
    scopes: tuple[str, ...]

    @property
    def actor(self) -> str:
        """How the audit trail names this caller."""
        return f"api:{self.client}"


def services(request: Request) -> ApiServices:
    found: ApiServices = request.app.state.services
    return found


def authenticated(
    required: SecurityScopes,
    credentials: Annotated[Credentials | None, Depends(bearer)],
    found: Annotated[ApiServices, Depends(services)],
) -> Principal:
    claims = _claims(found, credentials)
    if found.clients.active(claims.client) is None:
        raise Unauthenticated(f"client {claims.client!r} is revoked or unknown")
    limit(found, f"client:{claims.client}")
    for scope in required.scopes:
        if not allows(claims.scopes, scope):
            raise Forbidden(scope)
    return Principal(claims.client, claims.scopes)


def limit(found: ApiServices, key: str) -> None:
    wait = found.limiter.take(key)
    if wait is not None:
        raise TooManyRequests(wait)


def _claims(found: ApiServices, credentials: Credentials | None) -> Claims:
    if credentials is None or not credentials.credentials.strip():
        raise Unauthenticated("no bearer token")
    try:
        return found.tokens.verify(credentials.credentials.strip())
    except InvalidToken as error:
        raise Unauthenticated(f"the bearer token is not valid: {error}") from None
