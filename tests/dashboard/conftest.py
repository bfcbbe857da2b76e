"""The dashboard over a real engine and state database with in-memory ERPs for both sample
plants, a checkpoint that holds quantity changes above 10 % (the sample ECO goes from six
housing screws to eight: +33 %), and a manual clock on 2026-07-01, when the sample release
and both plants' ECO cut-overs are due."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from plmsync.api.app import create_app
from plmsync.api.bootstrap import build_services, close_services
from plmsync.api.services import ApiServices
from plmsync.config import load_config
from plmsync.engine.clock import ManualClock
from tests.api.conftest import ECO, ENV, RELEASE

NOW = dt.datetime(2026, 7, 1, 8, 0, tzinfo=dt.UTC)
BROKEN = RELEASE.replace(b'"uom": "L"', b'"uom": "LITRE"', 1)  # a unit nobody maps


def workspace(directory: Path) -> Path:
    document = {
        "plants": {
            "US01": {"target": "mem_us", "region": "NA"},
            "DE01": {"target": "mem_de", "region": "EU"},
        },
        "targets": {"mem_us": {"kind": "memory"}, "mem_de": {"kind": "memory"}},
        "engine": {"worker_threads": 1, "jitter": 0, "poll_seconds": 30},
        "api": {"webhook_secrets_env": ["PLM_HOOK_NEW"]},
        "rules": {"checkpoints": {"quantity_change_above_pct": 10}},
    }
    path = directory / "plmsync.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def scenario(services: ApiServices) -> None:
    """Release posted everywhere, the ECO held for review at both plants, a rejected package."""
    engine = services.engine
    for raw in (RELEASE, ECO):
        engine.submit(raw)
    engine.submit(BROKEN.replace(b"REL-0007", b"REL-0099"), event_id="evt-broken")
    engine.run_until_idle(listener=services.metrics.listener)


@pytest.fixture
def services(tmp_path: Path) -> Iterator[ApiServices]:
    built = build_services(load_config(workspace(tmp_path)), env=ENV, clock=ManualClock(NOW))
    yield built
    close_services(built)


@pytest.fixture
def client(services: ApiServices) -> Iterator[TestClient]:
    with TestClient(create_app(services), raise_server_exceptions=False) as test_client:
        yield test_client


def sign_in(client: TestClient, services: ApiServices, *scopes: str) -> str:
    """Sign in as a new client with these scopes; the page's CSRF token."""
    number = len(services.clients.all()) + 1
    _, secret = services.clients.add(f"person-{number}", scopes, services.now())
    answer = client.post("/ui/login", data={"name": f"person-{number}", "secret": secret})
    assert answer.status_code == 200, answer.text
    return csrf_of(client.get("/ui/reviews").text)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found is not None, "no form token on the page"
    return found.group(1)
