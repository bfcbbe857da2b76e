"""Changes through the API: submit, follow per plant, plan, validate without writing."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from plmsync.api.services import ApiServices
from tests.api.conftest import ECO, RELEASE, Auth, erp, run


def test_a_submitted_package_is_stored_queued_and_pointed_to(
    client: TestClient, services: ApiServices, auth: Auth
) -> None:
    response = client.post("/v1/changes", content=RELEASE, headers=auth("changes:write"))
    assert response.status_code == 202
    assert response.headers["Location"] == "/v1/changes/REL-0007"
    body = response.json()
    assert body["status_url"] == "/v1/changes/REL-0007"
    assert {(j["plant"], j["state"]) for j in body["jobs"]} == {
        ("US01", "queued"),
        ("DE01", "queued"),
    }
    assert services.engine.store.raw_payload(body["event"]) == RELEASE  # exactly as sent


def test_the_same_package_again_is_a_duplicate_following_the_first_jobs(
    client: TestClient, auth: Auth
) -> None:
    writer = auth("changes:write")
    first = client.post("/v1/changes", content=RELEASE, headers=writer).json()
    again = client.post("/v1/changes", content=RELEASE, headers=writer).json()
    assert again["duplicate"] is True
    assert [j["id"] for j in again["jobs"]] == [j["id"] for j in first["jobs"]]


def test_a_change_shows_each_plant_with_steps_and_erp_record_ids(
    client: TestClient, services: ApiServices, auth: Auth
) -> None:
    client.post("/v1/changes", content=RELEASE, headers=auth("changes:write"))
    run(services)
    detail = client.get("/v1/changes/REL-0007", headers=auth("changes:read")).json()
    assert [e["status"] for e in detail["events"]] == ["accepted"]
    us01 = next(p for p in detail["plants"] if p["plant"] == "US01")
    assert us01["state"] == "succeeded"
    assert us01["steps_done"] == us01["steps_total"] > 0
    assert all(s["status"] == "posted" and s["record_ids"] for s in us01["steps"])
    assert [t["to_state"] for t in us01["transitions"]] == ["queued", "running", "succeeded"]


def test_the_change_list_filters_by_state_and_plant(
    client: TestClient, services: ApiServices, auth: Auth
) -> None:
    writer, reader = auth("changes:write"), auth("changes:read")
    client.post("/v1/changes", content=RELEASE, headers=writer)
    run(services)
    client.post("/v1/changes", content=ECO, headers=writer)
    listed = client.get("/v1/changes", headers=reader).json()
    assert [c["number"] for c in listed["changes"]] == ["REL-0007", "ECO-0012"]
    queued = client.get("/v1/changes", params={"state": "queued"}, headers=reader).json()
    assert [c["number"] for c in queued["changes"]] == ["ECO-0012"]
    none = client.get("/v1/changes", params={"plant": "XX99"}, headers=reader).json()
    assert none == {"total": 0, "changes": []}


def test_a_plan_shows_what_would_be_posted_now_and_converges_after_sync(
    client: TestClient, services: ApiServices, auth: Auth
) -> None:
    client.post("/v1/changes", content=RELEASE, headers=auth("changes:write"))
    reader = auth("changes:read")
    before = client.get("/v1/changes/REL-0007/plan", params={"plant": "US01"}, headers=reader)
    (plan,) = before.json()["plans"]
    assert plan["plant"] == "US01" and plan["actionable"] > 0
    assert {s["action"] for s in plan["steps"]} == {"create"}
    run(services)
    after = client.get("/v1/changes/REL-0007/plan", headers=reader).json()["plans"]
    assert [p["actionable"] for p in after] == [0, 0]


def test_an_unknown_change_or_plant_is_404(client: TestClient, auth: Auth) -> None:
    reader = auth("changes:read")
    assert client.get("/v1/changes/NOPE-1", headers=reader).status_code == 404
    client.post("/v1/changes", content=RELEASE, headers=auth("changes:write"))
    plan = client.get("/v1/changes/REL-0007/plan", params={"plant": "XX99"}, headers=reader)
    assert plan.status_code == 404


def test_validate_lists_every_issue_and_writes_nothing(
    client: TestClient, services: ApiServices, auth: Auth
) -> None:
    package = json.loads(RELEASE)
    package["change"]["plants"].append({"plant": "XX99", "effective_from": "2026-05-05"})
    response = client.post(
        "/v1/validate", content=json.dumps(package), headers=auth("changes:read")
    )
    assert response.status_code == 200
    report = response.json()
    assert report["valid"] is False
    assert "PLMSYNC-PLANT-UNKNOWN" in {i["code"] for i in report["issues"]}
    assert all(i["remedy"] for i in report["issues"])
    assert services.engine.store.events_for("REL-0007") == []
    assert erp(services).write_count == 0


def test_plants_and_what_an_erp_holds(
    client: TestClient, services: ApiServices, auth: Auth
) -> None:
    reader = auth("changes:read")
    plants = client.get("/v1/plants", headers=reader).json()["plants"]
    assert [(p["code"], p["region"], p["target_kind"]) for p in plants] == [
        ("DE01", "EU", "memory"),
        ("US01", "NA", "memory"),
    ]
    missing = client.get("/v1/erp/US01/items/PMP-40", headers=reader).json()
    assert missing["exists"] is False and missing["bom"] is None
    client.post("/v1/changes", content=RELEASE, headers=auth("changes:write"))
    run(services)
    item = client.get("/v1/erp/US01/items/PMP-40", headers=reader).json()
    assert (item["exists"], item["revision"]) == (True, "A")
    lines = {line["component"]: line["quantity"] for line in item["bom"]["lines"]}
    assert lines["SCR-M5X16"] == "6"
    assert client.get("/v1/erp/XX99/items/PMP-40", headers=reader).status_code == 404
