"""Short-lived access tokens: HS256 JWTs issued by `POST /oauth/token`.

The signing key comes from the environment variable `api.signing_key_env` names, or, in
embedded mode, from `api-signing.key` in the state directory, generated on first use with
mode 0600 (a key file others may read is refused). Several `plmsync serve` processes behind
one load balancer must share the key: set the environment variable there.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets
import stat
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import jwt

from plmsync.domain.errors import ConfigError

ISSUER = "plmsync"
AUDIENCE = "plmsync-api"
SESSION_AUDIENCE = "plmsync-dashboard"  # a sign-in cookie is not a bearer token, and back
MIN_KEY_BYTES = 32
KEY_FILE = "api-signing.key"


@dataclass(frozen=True)
class Claims:
    client: str
    scopes: tuple[str, ...]
    expires_at: dt.datetime
    token_id: str = ""


class InvalidToken(Exception):
    """The bearer token is malformed, expired, or not signed by this service."""


class TokenIssuer:
    def __init__(self, key: bytes, ttl: dt.timedelta, *, audience: str = AUDIENCE):
        if len(key) < MIN_KEY_BYTES:
            raise ConfigError(f"the token signing key must have {MIN_KEY_BYTES}+ bytes")
        self._key = key
        self.ttl = ttl
        self.audience = audience

    def issue(self, client: str, scopes: tuple[str, ...], now: dt.datetime) -> str:
        claims = {
            "iss": ISSUER,
            "aud": self.audience,
            "sub": client,
            "scope": " ".join(scopes),
            "iat": int(now.timestamp()),
            "exp": int((now + self.ttl).timestamp()),
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._key, algorithm="HS256")

    def verify(self, token: str) -> Claims:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=["HS256"],
                audience=self.audience,
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "aud", "iss"]},
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(str(error)) from None
        expires = dt.datetime.fromtimestamp(claims["exp"], dt.UTC)
        scopes = tuple(str(claims.get("scope", "")).split())
        return Claims(str(claims["sub"]), scopes, expires, str(claims.get("jti", "")))

    def keyed_digest(self, text: str) -> str:
        """An HMAC of `text` under the signing key (the dashboard's CSRF tokens)."""
        return hmac.new(self._key, text.encode(), hashlib.sha256).hexdigest()


def signing_key(env_name: str | None, state_dir: Path, env: Mapping[str, str]) -> bytes:
    if env_name:
        value = env.get(env_name)
        if not value:
            raise ConfigError(
                f"environment variable {env_name} (api.signing_key_env) is not set",
                remedy=f"Export {env_name} with a random value of {MIN_KEY_BYTES}+ bytes.",
            )
        return value.encode()
    return _key_file(state_dir / KEY_FILE)


def _key_file(path: Path) -> bytes:
    if not path.exists():
        _create_key_file(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(
            f"{path} may be read by other users (mode {mode:o})",
            remedy=f"chmod 600 {path}",
        )
    return path.read_bytes().strip()


def _create_key_file(path: Path) -> None:
    """Written under a temporary name, then linked: a concurrent starter finds a complete
    key or creates none (link fails if the name exists)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(secrets.token_urlsafe(48).encode())
            file.flush()
            os.fsync(file.fileno())
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink(missing_ok=True)
