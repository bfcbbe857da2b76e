"""PLM webhooks per Standard Webhooks: `webhook-id`, `webhook-timestamp`,
`webhook-signature` (HMAC-SHA256 of `id.timestamp.body`), 5 minutes of clock tolerance
either way (the `standardwebhooks` package's).

Every configured secret is tried, so a secret is rotated without downtime: add the new one,
move the sender over, remove the old one. Secrets are read from environment variables
(`api.webhook_secrets_env`), never from the configuration file, and never logged.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from plmsync.api.errors import WebhookRejected
from plmsync.domain.errors import ConfigError

MAX_ID_LENGTH = 200
SECRET_PREFIX = "whsec_"
MIN_SECRET_BYTES = 16


@dataclass(frozen=True)
class WebhookMessage:
    id: str
    body: bytes


class WebhookVerifier:
    def __init__(self, secrets: Sequence[str]):
        self._hooks = [Webhook(secret) for secret in secrets]

    def verify(self, body: bytes, headers: Mapping[str, str]) -> WebhookMessage:
        """The verified message, or WebhookRejected saying what failed (never a secret)."""
        if not self._hooks:
            raise WebhookRejected(
                "webhooks are not configured on this service",
                code="PLMSYNC-WEBHOOK-NOT-CONFIGURED",
                remedy="Set api.webhook_secrets_env in plmsync.yaml and export the secrets.",
            )
        message_id = headers.get("webhook-id", "")
        if len(message_id) > MAX_ID_LENGTH:
            raise WebhookRejected(f"webhook-id is longer than {MAX_ID_LENGTH} characters")
        reasons = [self._refusal(hook, body, headers) for hook in self._hooks]
        if None in reasons:
            return WebhookMessage(message_id, body)
        raise _rejection(str(reasons[0]))

    @staticmethod
    def _refusal(hook: Webhook, body: bytes, headers: Mapping[str, str]) -> str | None:
        try:
            hook.verify(body, dict(headers), json_parse=False)
        except WebhookVerificationError as error:
            return str(error)
        return None


def _rejection(reason: str) -> WebhookRejected:
    if "timestamp" in reason.lower():
        return WebhookRejected(
            f"webhook refused: {reason} (more than 5 minutes from this server's clock)",
            code="PLMSYNC-WEBHOOK-TIMESTAMP",
        )
    return WebhookRejected(f"webhook refused: {reason}")


def webhook_secrets(names: Sequence[str], env: Mapping[str, str]) -> list[str]:
    """The secrets in these environment variables; ConfigError naming (only) a missing or
    malformed one."""
    secrets = []
    for name in names:
        value = env.get(name, "")
        if not value:
            raise ConfigError(
                f"environment variable {name} (api.webhook_secrets_env) is not set",
                remedy=f"Export {name} with the webhook secret, or remove it from the list.",
            )
        _check_secret(name, value)
        secrets.append(value)
    return secrets


def _check_secret(name: str, value: str) -> None:
    encoded = value.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except ValueError:
        key = b""
    if len(key) < MIN_SECRET_BYTES:
        raise ConfigError(
            f"environment variable {name} does not hold a webhook secret",
            remedy=f"A Standard Webhooks secret is base64 of {MIN_SECRET_BYTES}+ random bytes, "
            "optionally prefixed with whsec_.",
        )
