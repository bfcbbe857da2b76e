"""Structured logs (structlog, JSON lines) in which secrets never appear.

`redact_secrets` replaces the value of every key that names a credential — authorization,
secret, token, password, signature, cookie, at any depth — before anything is rendered.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any

import structlog

REDACTED = "[REDACTED]"
SENSITIVE = ("authorization", "secret", "token", "password", "signature", "cookie")


def sensitive(key: object) -> bool:
    name = str(key).lower()
    return any(word in name for word in SENSITIVE)


def redact(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: REDACTED if sensitive(k) else redact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact(v) for v in value)
    return value


def redact_secrets(
    _logger: object, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """A structlog processor (keep it before the renderer)."""
    return {key: REDACTED if sensitive(key) else redact(value) for key, value in event.items()}


PROCESSORS: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.processors.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    redact_secrets,
    structlog.processors.format_exc_info,
    structlog.processors.JSONRenderer(),
]


def configure_logging(level: int = logging.INFO) -> None:
    """JSON lines on stderr for structlog and the standard library alike."""
    structlog.configure(
        processors=PROCESSORS,
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(max(level, logging.WARNING))
