"""One handler maps plmsync's error tree to HTTP: problem+json with code, message and remedy,
every issue of an invalid package, never a stack trace."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from fastapi.testclient import TestClient

from plmsync.api.app import create_app
from plmsync.api.problems import problem
from plmsync.api.services import ApiServices
from plmsync.domain.errors import ConfigError, RateLimited, RejectedError, TransientError
from plmsync.ports.reviews import NoReviews, ReviewStatus, ReviewTask
from tests.api.conftest import RELEASE, Auth, bearer

PROBLEM = "application/problem+json"


def test_an_invalid_package_is_422_with_every_issue_and_nothing_stored(
    client: TestClient, services: ApiServices, auth: Auth
) -> None:
    package = json.loads(RELEASE)
    package["change"]["plants"].append({"plant": "XX99", "effective_from": "2026-05-05"})
    package["boms"][0]["lines"][0]["quantity"] = "0"
    response = client.post(
        "/v1/changes", content=json.dumps(package), headers=auth("changes:write")
    )
    assert (response.status_code, response.headers["content-type"]) == (422, PROBLEM)
    body = response.json()
    assert body["code"] == "PLMSYNC-VALIDATION" and body["remedy"]
    codes = {issue["code"] for issue in body["issues"]}
    assert {"PLMSYNC-PLANT-UNKNOWN", "PLMSYNC-BOM-QUANTITY-NOT-POSITIVE"} <= codes
    assert services.engine.store.events_for("REL-0007") == []


def test_an_unreadable_package_is_400_with_every_problem(client: TestClient, auth: Auth) -> None:
    response = client.post(
        "/v1/changes", content=b'{"schema_version": "1"}', headers=auth("changes:write")
    )
    assert (response.status_code, response.headers["content-type"]) == (400, PROBLEM)
    body = response.json()
    assert body["code"] == "PLMSYNC-PACKAGE-INVALID"
    assert len(body["problems"]) >= 2


def test_unknown_routes_methods_and_parameters_are_problems_too(
    client: TestClient, auth: Auth
) -> None:
    missing = client.get("/v1/nothing-here")
    assert (missing.status_code, missing.json()["code"]) == (404, "PLMSYNC-HTTP-404")
    wrong = client.delete("/v1/changes")
    assert wrong.status_code == 405 and "GET" in wrong.headers["Allow"]
    invalid = client.get("/v1/changes", params={"limit": 0}, headers=auth("changes:read"))
    assert (invalid.status_code, invalid.headers["content-type"]) == (422, PROBLEM)
    assert "limit" in invalid.json()["message"]
    typo = client.get("/v1/dead-letters", params={"stat": "all"}, headers=auth("changes:read"))
    assert (typo.status_code, typo.json()["code"]) == (400, "PLMSYNC-API-QUERY-INVALID")


class BrokenReviews(NoReviews):
    def tasks(self, *, status: ReviewStatus | None = ReviewStatus.OPEN) -> list[ReviewTask]:
        raise RuntimeError("password=hunter2 in a connection string")


def test_an_unexpected_error_is_500_with_an_incident_id_and_no_internals(
    services: ApiServices,
) -> None:
    services.reviews = BrokenReviews()
    with TestClient(create_app(services), raise_server_exceptions=False) as client:
        response = client.get("/v1/reviews", headers=bearer(services, "changes:read"))
    assert (response.status_code, response.headers["content-type"]) == (500, PROBLEM)
    body = response.json()
    assert body["code"] == "PLMSYNC-INTERNAL" and "incident" in body["message"]
    assert "hunter2" not in response.text and "Traceback" not in response.text


def test_the_error_tree_maps_to_statuses_with_codes(tmp_path: Path) -> None:
    del tmp_path
    config = problem(ConfigError("plants.US01.target: unknown"))
    assert config.status_code == 500
    assert json.loads(config.body)["code"] == "PLMSYNC-CONFIG"
    assert problem(TransientError("ERP down")).status_code == 503
    limited = problem(RateLimited("slow down", retry_after=2.2))
    assert (limited.status_code, limited.headers["Retry-After"]) == (503, "3")
    assert problem(RejectedError("refused")).status_code == 502


def test_a_review_task_from_the_queue_is_shown(services: ApiServices) -> None:
    task = ReviewTask(
        7,
        "ECO-0012",
        "DE01",
        2,
        "export control",
        "trade_compliance",
        ReviewStatus.OPEN,
        dt.datetime(2026, 6, 1, tzinfo=dt.UTC),
    )

    class OneReview(NoReviews):
        def task(self, task_id: int) -> ReviewTask:
            return task

    services.reviews = OneReview()
    with TestClient(create_app(services)) as client:
        shown = client.get("/v1/reviews/7", headers=bearer(services, "changes:read")).json()
    assert (shown["id"], shown["plant"], shown["owner_role"]) == (7, "DE01", "trade_compliance")
