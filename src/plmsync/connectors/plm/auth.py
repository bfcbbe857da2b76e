"""How a REST source proves who it is: OAuth2 client credentials, an API key, or HTTP Basic
(Onshape's API keys are an access key and a secret sent as Basic credentials).

Each is an `httpx.Auth`, so the client applies it to every request, pages included.
`ClientCredentials` fetches a token on first use, keeps it until shortly before it expires,
and on a 401 fetches a fresh one and retries the request once: a token revoked or expired
early costs one round trip, and a second 401 reaches the caller (a fatal `PlmAuthError`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator

import httpx

from plmsync.ports.plm_errors import PlmAuthError, PlmUnavailable

EXPIRY_MARGIN_SECONDS = 30.0  # renew this long before the PLM says a token expires
DEFAULT_TOKEN_SECONDS = 300.0  # when the token response names no lifetime


class ClientCredentials(httpx.Auth):
    requires_response_body = True

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        scope: str = "",
        clock: Callable[[], float] = time.monotonic,
    ):
        self.token_url = token_url
        self._credentials = httpx.BasicAuth(client_id, client_secret)
        self.scope = scope
        self.clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()
        self.tokens_fetched = 0

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if not self._valid():
            self._keep((yield self._token_request()))
        request.headers["Authorization"] = f"Bearer {self._token}"
        response = yield request
        if response.status_code == httpx.codes.UNAUTHORIZED:
            self._keep((yield self._token_request()))
            request.headers["Authorization"] = f"Bearer {self._token}"
            yield request

    def _valid(self) -> bool:
        with self._lock:
            return self._token is not None and self.clock() < self._expires_at

    def _token_request(self) -> httpx.Request:
        form = {"grant_type": "client_credentials", **({"scope": self.scope} if self.scope else {})}
        request = httpx.Request("POST", self.token_url, data=form)
        # RFC 6749 §2.3.1: the client authenticates to the token endpoint with Basic auth.
        return next(self._credentials.auth_flow(request))

    def _keep(self, response: httpx.Response) -> None:
        if response.status_code >= 500:
            raise PlmUnavailable(f"the PLM's token endpoint answered {response.status_code}")
        if response.status_code != httpx.codes.OK:
            raise PlmAuthError(
                f"the PLM refused plmsync's client credentials ({response.status_code})"
            )
        try:
            body = response.json()
            token = str(body["access_token"])
            lifetime = float(body.get("expires_in", DEFAULT_TOKEN_SECONDS))
        except (ValueError, KeyError, TypeError, AttributeError):
            raise PlmAuthError("the PLM's token endpoint sent no access token") from None
        with self._lock:
            self._token = token
            self._expires_at = self.clock() + max(lifetime - EXPIRY_MARGIN_SECONDS, 0.0)
            self.tokens_fetched += 1


class ApiKey(httpx.Auth):
    """A static key in a header (`X-API-Key: …`, or `Authorization: Token …` with a prefix)."""

    def __init__(self, key: str, *, header: str = "X-API-Key", prefix: str = ""):
        self.header = header
        self.value = f"{prefix} {key}".strip() if prefix else key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[self.header] = self.value
        yield request
