"""The retry policy decides from the error class: backoff for transient errors, never for
errors another attempt cannot fix."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from plmsync.domain.errors import (
    AuthError,
    ConfigError,
    PackageRejected,
    RateLimited,
    RejectedError,
    TransientError,
    ValidationFailed,
)
from plmsync.engine.retry import GiveUp, Retry, RetryPolicy

NOW = dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC)
POLICY = RetryPolicy(
    max_attempts=5,
    base_delay=dt.timedelta(seconds=2),
    max_delay=dt.timedelta(seconds=20),
    jitter=0.0,
)


def decide(error: BaseException, attempt: int, policy: RetryPolicy = POLICY) -> Retry | GiveUp:
    return policy.decide(error, attempt, NOW, random.Random(1))


def test_transient_errors_back_off_exponentially_up_to_the_cap() -> None:
    delays = []
    for attempt in range(1, 5):
        decision = decide(TransientError("down"), attempt)
        assert isinstance(decision, Retry)
        assert decision.at == NOW + decision.delay
        delays.append(decision.delay.total_seconds())
    assert delays == [2, 4, 8, 16]
    capped = decide(
        TransientError("down"),
        4,
        RetryPolicy(max_attempts=9, max_delay=dt.timedelta(seconds=5), jitter=0),
    )
    assert isinstance(capped, Retry)
    assert capped.delay == dt.timedelta(seconds=5)


def test_the_last_attempt_gives_up() -> None:
    decision = decide(TransientError("down"), 5)
    assert isinstance(decision, GiveUp)
    assert "5 attempt" in decision.reason


def test_jitter_spreads_delays_within_bounds() -> None:
    policy = RetryPolicy(base_delay=dt.timedelta(seconds=10), jitter=0.2)
    rng = random.Random(3)
    delays = {policy.delay(TransientError("x"), 1, rng).total_seconds() for _ in range(50)}
    assert len(delays) > 1
    assert all(8 <= d <= 12 for d in delays)


def test_a_rate_limit_is_honoured() -> None:
    decision = decide(RateLimited("slow down", retry_after=42), 1)
    assert isinstance(decision, Retry)
    assert decision.delay == dt.timedelta(seconds=42)


@pytest.mark.parametrize(
    "error",
    [
        RejectedError("refused"),
        ValidationFailed([]),
        ConfigError("bad unit"),
        AuthError("no user"),
        PackageRejected("not json"),
    ],
)
def test_errors_another_attempt_cannot_fix_are_never_retried(error: BaseException) -> None:
    decision = decide(error, 1)
    assert isinstance(decision, GiveUp)
    assert type(error).__name__ in decision.reason


def test_an_unexpected_exception_retries_within_the_limit() -> None:
    assert isinstance(decide(KeyError("bug?"), 1), Retry)
    assert isinstance(decide(KeyError("bug?"), 5), GiveUp)
