"""Secrets never reach a log line: the structlog processor redacts every credential key."""

from __future__ import annotations

import json

import structlog

from plmsync.observability.logging import PROCESSORS, REDACTED, redact_secrets


def test_credential_keys_are_redacted_at_any_depth() -> None:
    event = {
        "event": "token.issued",
        "client": "plm",
        "Authorization": "Bearer eyJhbGciOi",
        "client_secret": "pls_abc",
        "access_token": "eyJ0eXAi",
        "password": "hunter2",
        "headers": {"webhook-signature": "v1,abc", "content-type": "application/json"},
        "attempts": [{"token": "t1"}, {"count": 2}],
    }
    redacted = redact_secrets(None, "info", event)
    assert redacted["client"] == "plm" and redacted["event"] == "token.issued"
    for key in ("Authorization", "client_secret", "access_token", "password"):
        assert redacted[key] == REDACTED
    assert redacted["headers"] == {
        "webhook-signature": REDACTED,
        "content-type": "application/json",
    }
    assert redacted["attempts"] == [{"token": REDACTED}, {"count": 2}]


def test_the_service_log_line_carries_no_secret() -> None:
    logger = structlog.wrap_logger(structlog.ReturnLogger(), processors=PROCESSORS)
    line = logger.info("request", path="/oauth/token", client_secret="pls_topsecret")
    assert "pls_topsecret" not in line
    assert json.loads(line)["client_secret"] == REDACTED
