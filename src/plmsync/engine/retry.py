"""What to do after an attempt failed: retry at a given time, or give up (dead letter).

The decision follows the error tree (`plmsync.domain.errors`), not the message: transient
errors retry with exponential backoff and jitter (a rate limit's own `retry_after` wins);
errors that another attempt cannot fix — the ERP refused the payload, the package is invalid,
configuration or credentials are wrong — never retry. An unexpected exception (a bug, a
crash in a library) retries like a transient error: it may be a passing condition, and the
attempt limit still ends it in a dead letter where someone will look at it.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from plmsync.domain.errors import (
    AuthError,
    ConfigError,
    PackageRejected,
    RateLimited,
    RejectedError,
    ValidationFailed,
)

NEVER_RETRY: tuple[type[BaseException], ...] = (
    RejectedError,
    ValidationFailed,
    ConfigError,
    AuthError,
    PackageRejected,
)


@dataclass(frozen=True)
class Retry:
    at: dt.datetime
    delay: dt.timedelta


@dataclass(frozen=True)
class GiveUp:
    reason: str


Decision = Retry | GiveUp


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_delay: dt.timedelta = dt.timedelta(seconds=2)
    max_delay: dt.timedelta = dt.timedelta(minutes=5)
    jitter: float = 0.2  # each delay is spread by ± this fraction, so retries do not stampede

    def decide(
        self, error: BaseException, attempt: int, now: dt.datetime, rng: random.Random
    ) -> Decision:
        """`attempt` is the number of the attempt that just failed (1 for the first)."""
        if isinstance(error, NEVER_RETRY):
            return GiveUp(f"{type(error).__name__} is never retried")
        if attempt >= self.max_attempts:
            return GiveUp(f"gave up after {attempt} attempt(s)")
        delay = self.delay(error, attempt, rng)
        return Retry(now + delay, delay)

    def delay(self, error: BaseException, attempt: int, rng: random.Random) -> dt.timedelta:
        if isinstance(error, RateLimited):
            return dt.timedelta(seconds=max(0.0, error.retry_after))  # the ERP said when
        backoff = self.base_delay * (2 ** max(0, attempt - 1))
        spread: float = 1 + rng.uniform(-self.jitter, self.jitter)
        delay: dt.timedelta = backoff * spread
        return min(self.max_delay, delay)
