"""Errors the HTTP edge raises itself. They join plmsync's one error tree (`PlmsyncError`),
so a single handler (`plmsync.api.problems`) turns every error into its HTTP answer."""

from __future__ import annotations

from plmsync.domain.errors import PlmsyncError


class ApiError(PlmsyncError):
    code = "PLMSYNC-API"


class Unauthenticated(ApiError):
    """No credentials, or credentials that prove nothing (expired, forged, revoked)."""

    code = "PLMSYNC-API-UNAUTHENTICATED"
    remedy = "Get an access token from POST /oauth/token and send it as `Authorization: Bearer`."


class Forbidden(ApiError):
    code = "PLMSYNC-API-FORBIDDEN"
    remedy = "Ask an administrator for a client with the scope this route needs."

    def __init__(self, scope: str):
        super().__init__(f"this route needs the scope {scope!r}")
        self.scope = scope


class WebhookRejected(ApiError):
    """A webhook whose signature, timestamp or headers do not verify (Standard Webhooks)."""

    code = "PLMSYNC-WEBHOOK-SIGNATURE"
    remedy = (
        "Sign with one of the configured secrets, send webhook-id, webhook-timestamp and "
        "webhook-signature, and check that the sender's clock is within 5 minutes."
    )


class TooManyRequests(ApiError):
    code = "PLMSYNC-API-RATE-LIMITED"
    remedy = "Wait for the number of seconds in Retry-After, then send again."

    def __init__(self, retry_after: float):
        super().__init__(f"rate limit reached; retry in {retry_after:.1f} s")
        self.retry_after = retry_after


class PayloadTooLarge(ApiError):
    code = "PLMSYNC-API-TOO-LARGE"
    remedy = "Split the change into smaller packages, or raise api.max_body_bytes."

    def __init__(self, limit: int):
        super().__init__(f"the request body is larger than {limit:,} bytes")
        self.limit = limit


class ResourceNotFound(ApiError, LookupError):
    code = "PLMSYNC-API-NOT-FOUND"
    remedy = "Check the identifier in the URL."


class BadRequest(ApiError):
    code = "PLMSYNC-API-BAD-REQUEST"
    remedy = "Correct the request as the message says."


class OAuthError(ApiError):
    """An RFC 6749 token endpoint error; `error` is the standard error name."""

    code = "PLMSYNC-OAUTH"
    remedy = "Send grant_type=client_credentials with a valid client id and secret."

    def __init__(self, error: str, message: str, *, status: int = 400):
        super().__init__(message, code=f"PLMSYNC-OAUTH-{error.upper().replace('_', '-')}")
        self.error = error
        self.status = status
