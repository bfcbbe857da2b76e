"""Dead letters, review tasks and the audit trail through the API."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from plmsync.api.services import ApiServices
from tests.api.conftest import RELEASE, Auth, erp, run


def _dead_release(client: TestClient, services: ApiServices, auth: Auth) -> int:
    """REL-0007 dies in US01: the ERP refuses PMP-40."""
    erp(services).reject_keys = {"PMP-40"}
    client.post("/v1/changes", content=RELEASE, headers=auth("changes:write"))
    run(services)
    (letter,) = services.engine.dead_letters()
    return letter.id


def test_a_dead_letter_shows_what_failed_and_the_original_payload(
    client: TestClient, services: ApiServices, auth: Auth
) -> None:
    letter = _dead_release(client, services, auth)
    reader = auth("changes:read")
    listed = client.get("/v1/dead-letters", headers=reader).json()["dead_letters"]
    assert [(d["id"], d["plant"], d["change"]) for d in listed] == [(letter, "US01", "REL-0007")]
    shown = client.get(f"/v1/dead-letters/{letter}", headers=reader).json()
    assert shown["error_code"].startswith("PLMSYNC-ERP")
    assert shown["step"]["key"] == "PMP-40"
    assert shown["payload"].encode() == RELEASE
    assert client.get("/v1/dead-letters/999", headers=reader).status_code == 404


def test_replay_as_is_requeues_the_job_and_it_succeeds_once_fixed(
    client: TestClient, services: ApiServices, auth: Auth
) -> None:
    letter = _dead_release(client, services, auth)
    erp(services).reject_keys = set()
    replayed = client.post(f"/v1/dead-letters/{letter}/replay", headers=auth("deadletters:manage"))
    assert replayed.status_code == 200
    body = replayed.json()
    assert body["letter"]["status"] == "replayed"
    assert body["letter"]["resolved_by"].startswith("api:client-")
    run(services)
    assert services.engine.store.job(body["requeued_job"]).state == "succeeded"
    again = client.post(f"/v1/dead-letters/{letter}/replay", headers=auth("deadletters:manage"))
    assert again.status_code == 409


def test_replay_with_an_edited_payload_submits_it_as_a_new_event(
    client: TestClient, services: ApiServices, auth: Auth
) -> None:
    letter = _dead_release(client, services, auth)
    erp(services).reject_keys = set()
    edited = json.loads(RELEASE)
    edited["change"]["description"] = "edited after the ERP refused it"
    response = client.post(
        f"/v1/dead-letters/{letter}/replay",
        content=json.dumps(edited),
        headers=auth("deadletters:manage"),
    )
    assert response.status_code == 200
    resubmitted = response.json()["resubmitted"]
    assert resubmitted["event_id"].endswith("#replay-1")
    shown = client.get(f"/v1/dead-letters/{letter}", headers=auth("changes:read")).json()
    assert json.loads(shown["edited_payload"]) == edited


def test_discard_closes_the_letter_and_cancels_its_job(
    client: TestClient, services: ApiServices, auth: Auth
) -> None:
    letter = _dead_release(client, services, auth)
    response = client.post(f"/v1/dead-letters/{letter}/discard", headers=auth("admin"))
    assert response.status_code == 200
    assert response.json()["status"] == "discarded"
    job = services.engine.dead_letter(letter).job
    assert job is not None and services.engine.store.job(job).state == "cancelled"


def test_reviews_exist_as_routes_before_review_tasks_do(client: TestClient, auth: Auth) -> None:
    assert client.get("/v1/reviews", headers=auth("changes:read")).json() == {"reviews": []}
    shown = client.get("/v1/reviews/1", headers=auth("changes:read"))
    assert (shown.status_code, shown.json()["code"]) == (404, "PLMSYNC-REVIEW-NOT-FOUND")
    approve = client.post("/v1/reviews/1/approve", json={"comment": "ok"}, headers=auth("admin"))
    assert approve.status_code == 404


def test_the_audit_trail_names_the_api_client_that_submitted(
    client: TestClient, services: ApiServices, auth: Auth
) -> None:
    client.post("/v1/changes", content=RELEASE, headers=auth("changes:write"))
    run(services)
    trail = client.get("/v1/audit/REL-0007", headers=auth("changes:read")).json()
    actions = [e["action"] for e in trail["entries"]]
    assert actions[0] == "event.received" and "job.succeeded" in actions
    assert trail["entries"][0]["actor"].startswith("api:client-")
    assert client.get("/v1/audit/NOPE-1", headers=auth("changes:read")).status_code == 404
