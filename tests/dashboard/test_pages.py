"""The dashboard through HTTP, as a browser would use it but without one: sign-in, the
change-by-plant matrix and its filters, a change page with its BOM comparison, the review and
dead-letter buttons with their scopes and form tokens, the SLA and KPI pages."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from plmsync.api.services import ApiServices
from plmsync.dashboard.session import COOKIE
from tests.dashboard.conftest import csrf_of, scenario, sign_in

READ = "changes:read"


def cells(html: str, change: str) -> dict[str, str]:
    """Plant → state shown in the change's matrix row."""
    row = re.search(rf'<tr data-change="{change}">(.*?)</tr>', html, re.S)
    assert row is not None, f"{change} is not in the matrix"
    found = re.findall(r'data-plant="(\w+)"><span class="state \w+">(\w+)</span>', row.group(1))
    return dict(found)


def test_pages_need_a_session_and_send_people_to_sign_in(client: TestClient) -> None:
    answer = client.get("/ui/kpis?x=1", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/ui/login?next=/kpis%3Fx%3D1"
    htmx = client.get("/ui/matrix", headers={"HX-Request": "true"})
    assert htmx.status_code == 401 and htmx.headers["HX-Redirect"].startswith("/ui/login")


def test_wrong_secret_is_refused_and_no_cookie_is_set(
    client: TestClient, services: ApiServices
) -> None:
    services.clients.add("planner", [READ], services.now())
    answer = client.post("/ui/login", data={"name": "planner", "secret": "pls_wrong"})
    assert "do not match an active client" in answer.text
    assert COOKIE not in client.cookies


def test_the_session_cookie_is_not_an_api_token(client: TestClient, services: ApiServices) -> None:
    sign_in(client, services, READ)
    cookie = client.cookies[COOKIE]
    answer = client.get("/v1/changes", headers={"Authorization": f"Bearer {cookie}"})
    assert answer.status_code == 401


def test_matrix_shows_each_change_per_plant_and_filters(
    client: TestClient, services: ApiServices
) -> None:
    scenario(services)
    sign_in(client, services, READ)
    home = client.get("/ui/").text
    assert cells(home, "REL-0007") == {"US01": "succeeded", "DE01": "succeeded"}
    assert cells(home, "ECO-0012") == {"US01": "waiting_review", "DE01": "waiting_review"}
    assert cells(home, "REL-0099") == {"US01": "dead", "DE01": "dead"}  # unit LITRE
    attention = client.get("/ui/matrix", params={"state": "attention"}).text
    assert "ECO-0012" in attention and "REL-0099" in attention and "REL-0007" not in attention
    dead_in_de = client.get("/ui/matrix", params={"state": "dead", "plant": "DE01"}).text
    assert "REL-0099" in dead_in_de and "ECO-0012" not in dead_in_de
    searched = client.get("/ui/matrix", params={"q": "hardened idler"}).text
    assert "ECO-0012" in searched and "REL-0007" not in searched


def test_change_page_compares_old_and_new_bom_per_plant(
    client: TestClient, services: ApiServices
) -> None:
    scenario(services)
    sign_in(client, services, READ)
    page = client.get("/ui/changes/ECO-0012").text
    assert "hardened idler gear" in page and "Audit timeline" in page
    bom = client.get("/ui/changes/ECO-0012/bom", params={"plant": "US01"}).text
    assert "What a sync would post now" in bom  # held for review: nothing posted yet
    pump = re.search(r'data-item="PMP-40".*?</table>', bom, re.S)
    assert pump is not None and "rev A → rev B" in pump.group(0)
    assert "0 added, 0 removed, 1 changed" in pump.group(0)  # only the screws: 6 → 8
    assert re.search(
        r'<tr class="changed">\s*<td class="fn">\d+</td>\s*<td class="old">SCR-M5X16', pump.group(0)
    )
    plan = client.get("/ui/changes/ECO-0012/plan", params={"plant": "DE01"}).text
    assert "supersede" in plan


def test_approving_a_review_needs_its_scope_and_a_form_token(
    client: TestClient, services: ApiServices
) -> None:
    scenario(services)
    token = sign_in(client, services, READ)
    task = services.engine.reviews.tasks()[0].id
    refused = client.post(f"/ui/reviews/{task}/approve", data={"csrf": token})
    assert refused.status_code == 403 and "reviews:approve" in refused.text

    token = sign_in(client, services, READ, "reviews:approve")
    forged = client.post(f"/ui/reviews/{task}/approve", data={"csrf": "0" * 64})
    assert forged.status_code == 403
    approved = client.post(f"/ui/reviews/{task}/approve", data={"csrf": token, "comment": "ok"})
    assert approved.status_code == 200 and "approved" in approved.text
    assert services.engine.reviews.task(task).decided_by.startswith("ui:person-")


def test_replaying_a_dead_letter_with_a_corrected_payload(
    client: TestClient, services: ApiServices
) -> None:
    scenario(services)
    token = sign_in(client, services, READ, "deadletters:manage")
    listed = client.get("/ui/dead-letters").text
    assert "PLMSYNC-VALIDATION" in listed or "PLMSYNC-PACKAGE" in listed
    letter = services.engine.dead_letters()[0]
    fixed = services.engine.payload_of(letter).replace(b'"LITRE"', b'"L"')
    answer = client.post(
        f"/ui/dead-letters/{letter.id}/replay", data={"csrf": token, "payload": fixed.decode()}
    )
    assert answer.status_code == 200 and "replayed" in answer.text
    assert services.engine.dead_letters() == []
    assert [e.status for e in services.engine.store.events_for("REL-0099")][-1] == "accepted"


def test_an_unknown_filter_value_shows_the_default_list(
    client: TestClient, services: ApiServices
) -> None:
    scenario(services)
    sign_in(client, services, READ)
    answer = client.get("/ui/reviews", params={"status": "opne"})
    assert answer.status_code == 200 and answer.text.count("<tr data-task=") == 2


def test_sla_and_kpi_pages(client: TestClient, services: ApiServices) -> None:
    scenario(services)
    sign_in(client, services, READ)
    sla = client.get("/ui/sla").text
    breached = re.search(r'<table id="breaches">.*?</table>', sla, re.S)
    assert breached is not None
    rows = set(re.findall(r">([A-Z]+-\d+)</a></td><td>(\w+)</td>", breached.group(0)))
    # The ECO (high: 24 h) waits for review past its cut-overs (06-15, 06-22); the broken
    # release (normal: 48 h) is dead. The posted release is in use: not a breach.
    assert rows == {(c, p) for c in ("ECO-0012", "REL-0099") for p in ("US01", "DE01")}
    kpis = client.get("/ui/kpis").text
    assert "<svg" in kpis and "First-pass sync rate" in kpis
    assert csrf_of(kpis)
