"""Per-client rate limits (429 + Retry-After) and the request size limit (413)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from plmsync.api.app import create_app
from plmsync.api.bootstrap import close_services
from plmsync.api.ratelimit import RateLimiter
from plmsync.api.services import ApiServices
from tests.api.conftest import bearer, services_for


@pytest.fixture
def strict(tmp_path: Path) -> Iterator[ApiServices]:
    services = services_for(
        tmp_path, rate_limit_burst=3, rate_limit_per_second=0.5, max_body_bytes=2048
    )
    yield services
    close_services(services)


def test_a_client_past_its_burst_gets_429_with_retry_after(strict: ApiServices) -> None:
    reader, other = bearer(strict, "changes:read"), bearer(strict, "changes:read")
    with TestClient(create_app(strict)) as client:
        answers = [client.get("/v1/plants", headers=reader) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert answers[-1].headers["Retry-After"] == "2"
        assert answers[-1].json()["code"] == "PLMSYNC-API-RATE-LIMITED"
        assert client.get("/v1/plants", headers=other).status_code == 200  # per client


def test_token_requests_are_rate_limited_per_client_id(strict: ApiServices) -> None:
    form = {"grant_type": "client_credentials", "client_id": "guess", "client_secret": "x"}
    with TestClient(create_app(strict)) as client:
        answers = [client.post("/oauth/token", data=form).status_code for _ in range(4)]
    assert answers == [401, 401, 401, 429]


def test_a_body_over_the_limit_is_413_before_it_is_read(strict: ApiServices) -> None:
    with TestClient(create_app(strict)) as client:
        response = client.post(
            "/v1/changes", content=b"x" * 4096, headers=bearer(strict, "changes:write")
        )
    assert response.status_code == 413
    assert response.json()["code"] == "PLMSYNC-API-TOO-LARGE"


def test_a_streamed_body_growing_past_the_limit_is_413(strict: ApiServices) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(8):
            yield b"x" * 512

    with TestClient(create_app(strict)) as client:
        response = client.post(
            "/v1/validate", content=chunks(), headers=bearer(strict, "changes:read")
        )
    assert response.status_code == 413


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_bucket_refills_at_its_rate_up_to_its_burst() -> None:
    time = FakeTime()
    limiter = RateLimiter(rate=2.0, burst=2, clock=time)
    assert [limiter.take("a"), limiter.take("a")] == [None, None]
    assert limiter.take("a") == pytest.approx(0.5)
    time.now += 0.5
    assert limiter.take("a") is None
    time.now += 60
    assert [limiter.take("a"), limiter.take("a"), limiter.take("a")][:2] == [None, None]
