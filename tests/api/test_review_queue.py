"""The review routes over the real review queue: a change a checkpoint holds is listed,
approved through the API, and then posts."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from plmsync.api.app import create_app
from plmsync.api.bootstrap import build_services, close_services
from plmsync.config import load_config
from plmsync.engine.clock import ManualClock
from plmsync.engine.model import JobState
from plmsync.testing import governance as g
from tests.api.conftest import ENV, START, bearer, erp, run, workspace


def test_a_held_change_is_approved_through_the_api_and_posts(tmp_path: Path) -> None:
    path = workspace(tmp_path)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(g.EU_RULES)
    services = build_services(load_config(path), env=ENV, clock=ManualClock(START))
    package = g.compliance_changing(g.governed_release(controlled=False))
    try:
        with TestClient(create_app(services), raise_server_exceptions=False) as client:
            services.engine.submit(package.model_dump_json().encode())
            run(services)
            reader = bearer(services, "changes:read")
            (task,) = client.get("/v1/reviews", headers=reader).json()["reviews"]
            assert (task["plant"], task["owner_role"]) == ("DE01", "compliance")
            url = f"/v1/reviews/{task['id']}/approve"
            approver = bearer(services, "reviews:approve")
            approved = client.post(url, json={"comment": "waiver W-12"}, headers=approver)
            assert (approved.status_code, approved.json()["status"]) == (200, "approved")
            assert client.post(url, headers=approver).status_code == 409
            run(services)
        states = {row.plant: row.state for row in services.engine.status("REL-0007")}
        assert states == {"US01": JobState.SUCCEEDED, "DE01": JobState.SUCCEEDED}
        assert g.EU_SCREW in erp(services, "DE01").read({"PMP-40"}).boms["PMP-40"].components
    finally:
        close_services(services)
