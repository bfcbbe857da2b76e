"""API clients (OAuth2 client credentials): create with a secret shown once, authenticate,
list, revoke.

Secrets are 256-bit random tokens; only a hash is stored. The hash is scrypt (stdlib
`hashlib.scrypt`, n=2^14, r=8, p=1, 16-byte salt): memory-hard, so a stolen state database
cannot be brute-forced on GPUs, and its parameters are stored with each hash so they can be
raised later without invalidating clients. argon2id would do as well but needs a native
package; with random 256-bit secrets the choice only matters if the database leaks, and
scrypt is ample there. A token request costs one hash (~40 ms), and tokens live minutes.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Collection
from dataclasses import dataclass

from plmsync.api.scopes import parse_scopes
from plmsync.domain.errors import ConfigError
from plmsync.ports.clients import ClientRecord, ClientStore

SECRET_PREFIX = "pls_"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class ScryptHasher:
    n: int = 2**14
    r: int = 8
    p: int = 1

    def hash(self, secret: str) -> str:
        salt = secrets.token_bytes(16)
        digest = self._derive(secret, salt, self.n, self.r, self.p)
        return "$".join(["scrypt", str(self.n), str(self.r), str(self.p), _b64(salt), _b64(digest)])

    def verify(self, secret: str, stored: str) -> bool:
        try:
            scheme, n, r, p, salt, digest = stored.split("$")
            if scheme != "scrypt":
                return False
            derived = self._derive(secret, _unb64(salt), int(n), int(r), int(p))
        except ValueError:
            return False
        return hmac.compare_digest(derived, _unb64(digest))

    @staticmethod
    def _derive(secret: str, salt: bytes, n: int, r: int, p: int) -> bytes:
        return hashlib.scrypt(
            secret.encode(), salt=salt, n=n, r=r, p=p, dklen=32, maxmem=256 * n * r
        )


class ClientRegistry:
    def __init__(self, store: ClientStore, hasher: ScryptHasher | None = None):
        self.store = store
        self.hasher = hasher or ScryptHasher()
        self._decoy = self.hasher.hash(secrets.token_urlsafe(16))

    def add(self, name: str, scopes: Collection[str], now: dt.datetime) -> tuple[ClientRecord, str]:
        """A new client and its secret (shown once: only its hash is kept)."""
        _check_name(name)
        granted = parse_scopes(scopes)
        secret = SECRET_PREFIX + secrets.token_urlsafe(32)
        record = ClientRecord(name, self.hasher.hash(secret), tuple(granted), now)
        self.store.add_client(record)
        return record, secret

    def authenticate(self, name: str, secret: str) -> ClientRecord | None:
        """The active client these credentials prove, else None (same cost either way, so
        timing does not tell which client names exist)."""
        record = self.store.client(name)
        ok = self.hasher.verify(secret, record.secret_hash if record else self._decoy)
        return record if ok and record is not None and record.active else None

    def active(self, name: str) -> ClientRecord | None:
        record = self.store.client(name)
        return record if record is not None and record.active else None

    def all(self) -> list[ClientRecord]:
        return self.store.clients()

    def revoke(self, name: str, now: dt.datetime) -> ClientRecord:
        record = self.store.revoke_client(name, now)
        if record is None:
            raise ConfigError(
                f"no API client named {name!r}", remedy="List them with `plmsync clients list`."
            )
        return record


def _check_name(name: str) -> None:
    if not _NAME.match(name):
        raise ConfigError(
            f"client name {name!r} is not allowed",
            remedy="Use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.",
        )


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
