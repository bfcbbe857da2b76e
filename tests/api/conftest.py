"""The API over a real engine and state database (SQLite under tmp_path) and in-memory ERPs
for both sample plants; tokens are minted for throwaway clients with the scopes a test needs.

The engine's clock is manual (2026-06-01: the release is due, the ECO is staged), so jobs run
only when a test runs them (`run`), never behind its back."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from plmsync.api.app import create_app
from plmsync.api.bootstrap import build_services, close_services
from plmsync.api.services import ApiServices
from plmsync.config import load_config
from plmsync.engine.clock import ManualClock
from plmsync.observability.logging import configure_logging
from plmsync.testing.fake_erp import InMemoryErp

START = dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC)
NEW_SECRET = "whsec_" + base64.b64encode(b"n" * 32).decode()
OLD_SECRET = "whsec_" + base64.b64encode(b"o" * 32).decode()
ENV = {"PLM_HOOK_NEW": NEW_SECRET, "PLM_HOOK_OLD": OLD_SECRET}
SAMPLES = Path(__file__).resolve().parents[2] / "src" / "plmsync" / "samples"
RELEASE = (SAMPLES / "gp40_release.json").read_bytes()
ECO = (SAMPLES / "gp40_eco.json").read_bytes()

Headers = dict[str, str]
Auth = Callable[..., Headers]


def workspace(directory: Path, *, poll: float = 30, **api: Any) -> Path:
    document = {
        "plants": {
            "US01": {"target": "mem_us", "region": "NA"},
            "DE01": {"target": "mem_de", "region": "EU"},
        },
        "targets": {"mem_us": {"kind": "memory"}, "mem_de": {"kind": "memory"}},
        "engine": {"worker_threads": 1, "jitter": 0, "poll_seconds": poll},
        "api": {"webhook_secrets_env": ["PLM_HOOK_NEW", "PLM_HOOK_OLD"], **api},
    }
    path = directory / "plmsync.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def services_for(directory: Path, env: dict[str, str] | None = None, **api: Any) -> ApiServices:
    config = load_config(workspace(directory, **api))
    return build_services(config, env=ENV if env is None else env, clock=ManualClock(START))


def bearer(services: ApiServices, *scopes: str) -> Headers:
    """A fresh client with these scopes, and a token for it."""
    number = len(services.clients.all()) + 1
    record, _ = services.clients.add(f"client-{number}", scopes, services.now())
    token = services.tokens.issue(record.name, record.scopes, services.now())
    return {"Authorization": f"Bearer {token}"}


def erp(services: ApiServices, plant: str = "US01") -> InMemoryErp:
    target = services.engine.pipeline.targets[plant]
    inner = getattr(target, "inner", target)
    assert isinstance(inner, InMemoryErp)
    return inner


def run(services: ApiServices) -> None:
    """Work every due job to the end, reporting to the metrics as `plmsync serve` does."""
    services.engine.run_until_idle(listener=services.metrics.listener)


@pytest.fixture(scope="session", autouse=True)
def _service_logging() -> None:
    """Logs as `plmsync serve` writes them (JSON, secrets redacted), not structlog's
    development renderer."""
    configure_logging()


@pytest.fixture
def services(tmp_path: Path) -> Iterator[ApiServices]:
    built = services_for(tmp_path)
    yield built
    close_services(built)


@pytest.fixture
def client(services: ApiServices) -> Iterator[TestClient]:
    with TestClient(create_app(services), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def auth(services: ApiServices) -> Auth:
    return lambda *scopes: bearer(services, *scopes)
