"""Signing in to the dashboard, and what a signed-in person may do.

People sign in with the name and secret of a client (`plmsync clients add NAME --scopes …`,
one per person) and get a session cookie: a JWT of its own audience (it is not an API bearer
token, nor the reverse), HttpOnly, SameSite=Strict, Secure over HTTPS, valid for
`api.session_hours`. Every page re-checks that the client is still active, so a revoked
person is out at once. Forms that change something carry a CSRF token: an HMAC of the
session's id under the service key, checked on every POST.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from fastapi import Request, Response

from plmsync.api.scopes import allows
from plmsync.api.services import ApiServices
from plmsync.api.tokens import InvalidToken

COOKIE = "plmsync_session"


class LoginRequired(Exception):
    """No valid session: the person is sent to the sign-in page."""


class NotPermitted(Exception):
    """Signed in, but without the scope this needs (or a form without its CSRF token)."""

    def __init__(self, needed: str):
        super().__init__(needed)
        self.needed = needed


@dataclass(frozen=True)
class Viewer:
    name: str
    scopes: tuple[str, ...]
    csrf: str

    def may(self, scope: str) -> bool:
        return allows(self.scopes, scope)

    def require(self, scope: str) -> None:
        if not self.may(scope):
            raise NotPermitted(scope)

    def check_form(self, token: str) -> None:
        if not hmac.compare_digest(token.encode(), self.csrf.encode()):
            raise NotPermitted("a valid form token (reload the page and try again)")


def services_of(request: Request) -> ApiServices:
    found: ApiServices = request.app.state.services
    return found


def current_viewer(request: Request) -> Viewer:
    found = services_of(request)
    token = request.cookies.get(COOKIE, "")
    if not token:
        raise LoginRequired
    try:
        claims = found.sessions.verify(token)
    except InvalidToken:
        raise LoginRequired from None
    if found.clients.active(claims.client) is None:
        raise LoginRequired
    return Viewer(claims.client, claims.scopes, found.sessions.keyed_digest(claims.token_id))


def sign_in(found: ApiServices, name: str, secret: str) -> str | None:
    """A session token for these credentials, or None."""
    record = found.clients.authenticate(name.strip(), secret.strip())
    if record is None:
        return None
    return found.sessions.issue(record.name, record.scopes, found.now())


def keep(response: Response, request: Request, token: str) -> None:
    found = services_of(request)
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(found.sessions.ttl.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


def forget(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/")
