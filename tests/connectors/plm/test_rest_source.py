"""The REST polling source through its public interface, on recorded-style Onshape answers
(`payloads/`, see its README) and on the Onshape-shaped server: mapping, auth, paging and
what each HTTP failure becomes."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from plmsync.connectors.plm.auth import ApiKey
from plmsync.connectors.plm.mapping import RestMapping, load_mapping
from plmsync.connectors.plm.rest import RestPlmSource
from plmsync.domain.errors import ConfigError
from plmsync.ports.plm import PlmEvent
from plmsync.ports.plm_errors import (
    PlmAuthError,
    PlmEventInvalid,
    PlmMappingFailed,
    PlmRateLimited,
    PlmUnavailable,
)
from plmsync.testing.packages import release_package, renumber
from plmsync.testing.plm_contract import T0, drain
from tests.connectors.plm.onshape_server import COMPANY, OnshapeServer
from tests.connectors.plm.test_rest_contract import onshape_source

PAYLOADS = Path(__file__).parent / "payloads"
RELEASE_ID = "66122a00b16b00b5aa000014"
BOM_PATH = (
    "/api/v16/assemblies/d/a1b2c3d4e5f60718293a4b5c/v/0f1e2d3c4b5a69788796a5b4"
    "/e/9c8b7a6f5e4d3c2b1a0f9e8d/bom"
)
RECORDED = {
    f"/api/v16/revisions/companies/{COMPANY}": "revisions.json",
    f"/api/v16/releasepackages/{RELEASE_ID}": "releasepackage.json",
    BOM_PATH: "bom.json",
}


def recorded(
    payloads: dict[str, bytes] | None = None, seen: list[httpx.Request] | None = None
) -> httpx.MockTransport:
    """A transport answering from the recorded files, only with the API key plmsync sends."""
    files = payloads or {path: (PAYLOADS / name).read_bytes() for path, name in RECORDED.items()}

    def answer(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        if request.headers.get("X-API-Key") != "k-123":
            return httpx.Response(401)
        body = files.get(request.url.path)
        return httpx.Response(200, content=body) if body else httpx.Response(404)

    return httpx.MockTransport(answer)


def recorded_source(transport: httpx.MockTransport, **options: object) -> RestPlmSource:
    return RestPlmSource(
        "onshape",
        base_url="https://cad.onshape.com/api/v16",
        auth=ApiKey("k-123"),
        path_params={"company": COMPANY},
        plants=("US01", "DE01"),
        transport=transport,
        **options,  # type: ignore[arg-type]
    )


# --- the recorded answers, mapped ---------------------------------------------------------


def test_the_recorded_feed_is_one_event_per_release_package() -> None:
    polled = recorded_source(recorded()).poll(None)
    # revisions.json: four revisions (three items and a drawing), all of one release package.
    assert polled.events == (
        PlmEvent(
            "RP-2026-014", RELEASE_ID, dt.datetime(2026, 4, 8, 13, 21, 7, 412000, tzinfo=dt.UTC)
        ),
    )


def test_the_recorded_release_package_maps_to_the_canonical_graph() -> None:
    source = recorded_source(recorded())
    (event,) = source.poll(None).events
    package = source.fetch(event)
    assert (package.change.number, package.source.event_id) == ("RP-2026-014", RELEASE_ID)
    assert package.change.title == "Gripper rev B: longer fingers, reinforced jaw"
    assert [(p.plant, p.effective_from) for p in package.change.plants] == [
        ("US01", dt.date(2026, 4, 8)),
        ("DE01", dt.date(2026, 4, 8)),
    ]
    # releasepackage.json releases GRP-100 (assembly), GRP-101, GRP-102 and a drawing; bom.json
    # adds two earlier released components (SHCS-M3X8 without a revision, LOC-243 rev A).
    items = {i.number: (i.revision, i.item_type.value, i.make_buy.value) for i in package.items}
    assert items == {
        "GRP-100": ("B", "assembly", "make"),
        "GRP-101": ("A", "part", "buy"),
        "GRP-102": ("C", "part", "buy"),
        "SHCS-M3X8": ("-", "part", "buy"),
        "LOC-243": ("A", "part", "buy"),
    }
    (bom,) = package.boms
    assert (bom.item, bom.revision) == ("GRP-100", "B")
    # bom.json rows (item: quantity): 1: 2, 2: 1, 3: 4, 4: 0.25 (a JSON 0.25, read exactly).
    assert [(ln.find_number, ln.component, ln.quantity) for ln in bom.lines] == [
        (1, "GRP-101", Decimal(2)),
        (2, "GRP-102", Decimal(1)),
        (3, "SHCS-M3X8", Decimal(4)),
        (4, "LOC-243", Decimal("0.25")),
    ]
    # Rows 3 and 4 name a manufacturer part number; rows 1 and 2 do not.
    assert {(s.item, s.manufacturer, s.mpn, s.supplier) for s in package.sources} == {
        ("SHCS-M3X8", "Bossard", "BN610-M3x8", "McMaster-Carr"),
        ("LOC-243", "Henkel", "LOCTITE 243", "Grainger"),
    }
    (drawing,) = package.documents
    assert (drawing.number, drawing.revision, drawing.items) == ("GRP-100-DWG", "B", ("GRP-100",))
    assert drawing.url.startswith("https://cad.onshape.com/documents/a1b2c3d4e5f60718293a4b5c")


def test_a_bom_row_without_a_quantity_is_a_mapping_failure_naming_it() -> None:
    bom = json.loads((PAYLOADS / "bom.json").read_text())
    del bom["rows"][1]["headerIdToValue"]["5ace8269c046ad612c65a0ba"]  # row 2's quantity
    files = {path: (PAYLOADS / name).read_bytes() for path, name in RECORDED.items()}
    source = recorded_source(recorded({**files, BOM_PATH: json.dumps(bom).encode()}))
    (event,) = source.poll(None).events
    with pytest.raises(PlmMappingFailed) as failed:
        source.fetch(event)
    assert failed.value.code == "PLMSYNC-PLM-MAPPING"
    assert any(p.startswith("boms.0.lines.1.quantity") for p in failed.value.problems)


def test_a_mapping_file_reads_another_plm_shape(tmp_path: Path) -> None:
    """A PLM keyed by name, with `data` records and a `links.next` page link."""
    mapping = tmp_path / "acme.yaml"
    mapping.write_text(
        "feed: {path: /changes, since_param: since, records: data, next: links.next,\n"
        "       record_id: id, occurred_at: releasedAt, event_id: id, change_number: number}\n"
        "change: {path: '/changes/{event_id}', params: {}, number: number, title: title,\n"
        "         released_at: releasedAt, items: parts}\n"
        "item: {id: id, number: pn, revision: rev, name: title, description: title,\n"
        "       uom: unit, kind: type, assembly_kinds: [asm], document_kinds: [doc],\n"
        "       url: link, references: shows}\n"
        "bom: {path: '/parts/{id}/bom', params: {}, rows: lines, headers: null, values: null,\n"
        "      find_number: pos, component: pn, quantity: qty}\n",
        encoding="utf-8",
    )
    answers = {
        "/changes": {
            "data": [{"id": "c1", "number": "ECN-7", "releasedAt": "2026-05-01T08:00Z"}],
            "links": {"next": "https://plm.acme.test/api/changes?page=2"},
        },
        "/changes/c2": {
            "number": "ECN-8",
            "title": "Shorter bracket",
            "parts": [
                {
                    "id": "p1",
                    "pn": "BRK-9",
                    "rev": "D",
                    "title": "Bracket",
                    "type": "asm",
                    "unit": "EA",
                },
            ],
        },
        "/parts/p1/bom": {"lines": [{"pos": 10, "pn": "BLT-1", "qty": "3"}]},
        "/changes?page=2": {
            "data": [{"id": "c2", "number": "ECN-8", "releasedAt": "2026-05-02T08:00Z"}],
            "links": {},
        },
    }

    def answer(request: httpx.Request) -> httpx.Response:
        key = request.url.path.removeprefix("/api") + (
            f"?{request.url.query.decode()}" if b"page" in request.url.query else ""
        )
        return httpx.Response(200, json=answers[key])

    source = RestPlmSource(
        "acme",
        base_url="https://plm.acme.test/api",
        mapping=load_mapping(mapping),
        transport=httpx.MockTransport(answer),
    )
    polled = source.poll(None)
    assert [(e.change_number, e.event_id) for e in polled.events] == [
        ("ECN-7", "c1"),
        ("ECN-8", "c2"),
    ]


def test_a_mapping_with_an_unreadable_path_is_a_config_error(tmp_path: Path) -> None:
    mapping = tmp_path / "bad.yaml"
    mapping.write_text("item: {number: 'properties[name=Part number'}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.yaml: item\.number"):
        load_mapping(mapping)


# --- auth ---------------------------------------------------------------------------------


def test_a_token_is_fetched_once_and_reused() -> None:
    server = OnshapeServer()
    server.release(release_package(), T0)
    source = onshape_source(server)
    drain(source, None)
    drain(source, None)
    assert server.token_requests == 1
    assert len(server.api_requests) > 2  # several pages, one token


def test_an_expired_token_is_refreshed_and_the_call_succeeds() -> None:
    server = OnshapeServer()
    server.release(release_package(), T0)
    source = onshape_source(server, page_size=50)
    source.check()
    server.expire_tokens()  # the PLM forgets the token before its announced expiry
    (event,) = source.poll(None).events
    assert event.change_number == release_package().change.number
    assert server.token_requests == 2


def test_credentials_refused_after_a_refresh_are_fatal() -> None:
    server = OnshapeServer()
    source = onshape_source(server)
    source.check()
    server.refuse_client()  # the client was revoked in the PLM
    with pytest.raises(PlmAuthError) as refused:
        source.poll(None)
    assert refused.value.code == "PLMSYNC-PLM-AUTH"
    assert server.token_requests == 2  # one refresh was tried


def test_the_api_key_goes_in_its_header() -> None:
    seen: list[httpx.Request] = []
    recorded_source(recorded(seen=seen)).check()
    assert [r.headers["X-API-Key"] for r in seen] == ["k-123"]
    with pytest.raises(PlmAuthError):
        RestPlmSource(
            "onshape",
            base_url="https://cad.onshape.com/api/v16",
            path_params={"company": COMPANY},
            transport=recorded(),
        ).check()


# --- what failures become -----------------------------------------------------------------


def test_429_is_rate_limited_for_as_long_as_retry_after_says() -> None:
    server = OnshapeServer()
    later = email.utils.format_datetime(
        dt.datetime.now(dt.UTC) + dt.timedelta(seconds=120), usegmt=True
    )
    server.fail_next(
        httpx.Response(429, headers={"Retry-After": "7"}),
        httpx.Response(429, headers={"Retry-After": later}),
        httpx.Response(429),
    )
    source = onshape_source(server)
    waits = []
    for _ in range(3):
        with pytest.raises(PlmRateLimited) as limited:
            source.poll(None)
        assert limited.value.code == "PLMSYNC-PLM-RATE-LIMITED"
        waits.append(limited.value.retry_after)
    assert waits[0] == 7.0
    assert 100 < waits[1] <= 120  # an HTTP date two minutes ahead, minus the test's run time
    assert waits[2] == 60.0  # no header: a minute


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408])
def test_server_errors_are_retryable(status: int) -> None:
    server = OnshapeServer()
    server.fail_next(httpx.Response(status))
    with pytest.raises(PlmUnavailable) as failed:
        onshape_source(server).poll(None)
    assert str(status) in failed.value.message


def test_a_timeout_is_retryable() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    source = RestPlmSource(
        "onshape",
        base_url="https://cad.test/api/v16",
        path_params={"company": COMPANY},
        transport=httpx.MockTransport(slow),
    )
    with pytest.raises(PlmUnavailable, match="in time"):
        source.poll(None)


def test_403_is_an_auth_error_without_a_refresh() -> None:
    server = OnshapeServer()
    server.fail_next(httpx.Response(403))
    with pytest.raises(PlmAuthError):
        onshape_source(server).poll(None)
    assert server.token_requests == 1


def test_a_next_page_on_another_host_is_not_followed() -> None:
    page = {"items": [], "next": "https://elsewhere.test/steal?token=1"}
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=page))
    source = RestPlmSource(
        "onshape",
        base_url="https://cad.test/api/v16",
        path_params={"company": COMPANY},
        transport=transport,
    )
    with pytest.raises(ConfigError, match="another host"):
        source.poll(None)


# --- notifications ------------------------------------------------------------------------


def test_a_recorded_release_notification_fetches_the_release() -> None:
    source = recorded_source(recorded())
    event = source.parse_event((PAYLOADS / "workflow_transition.json").read_bytes())
    # Onshape's notification names the release package by id only; fetching names the change.
    assert (event.change_number, event.event_id) == ("", RELEASE_ID)
    assert event.occurred_at == dt.datetime(2026, 4, 8, 13, 21, 7, 412000, tzinfo=dt.UTC)
    assert source.fetch(event).change.number == "RP-2026-014"


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        ({"transitionName": "SUBMIT"}, "transitionName is 'SUBMIT', not 'RELEASE'"),
        ({"objectType": "OBSOLETION"}, "objectType is 'OBSOLETION', not 'RELEASE'"),
        ({"event": "onshape.revision.created"}, "event is 'onshape.revision.created'"),
        ({"objectId": ""}, "no objectId"),
        ({"timestamp": "2026-04-08T13:21:07"}, "timestamp is not a time with a timezone"),
    ],
)
def test_other_notifications_are_not_release_events(edit: dict[str, str], problem: str) -> None:
    body = {**json.loads((PAYLOADS / "workflow_transition.json").read_text()), **edit}
    with pytest.raises(PlmEventInvalid) as refused:
        recorded_source(recorded()).parse_event(json.dumps(body).encode())
    assert any(p.startswith(problem) for p in refused.value.problems), refused.value.problems


def test_a_burst_larger_than_a_poll_is_got_through_each_change_once() -> None:
    """Three releases at one instant are 24 revisions (eight items each); a poll reads one
    page of two. Pages the cursor has seen do not count, and a release split between polls is
    announced once (found by the property test in tests/plm_intake)."""
    server = OnshapeServer()
    numbers = [f"ECO-B{n}" for n in range(1, 4)]
    for number in numbers:
        server.release(renumber(release_package(), number), T0)
    source = onshape_source(server, page_size=2, max_pages=1)
    events, _ = drain(source, None)
    assert [e.change_number for e in events] == numbers


def test_a_feed_paged_by_tokens_is_walked_with_the_first_query() -> None:
    """A PLM answering `nextPageToken` and taking `pageToken` beside the original query."""
    records = [
        {"id": f"c{n}", "number": f"ECN-{n}", "at": f"2026-05-0{n}T08:00:00Z"} for n in (1, 2, 3)
    ]
    queries: list[dict[str, str]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        query = dict(request.url.params)
        queries.append(query)
        start = int(query.get("pageToken", "0"))
        body: dict[str, object] = {"results": records[start : start + 2]}
        if start + 2 < len(records):
            body["nextPageToken"] = str(start + 2)
        return httpx.Response(200, json=body)

    mapping = RestMapping.model_validate(
        {
            "feed": {
                "path": "/changes",
                "params": {"state": "released"},
                "records": "results",
                "next_token": "nextPageToken",
                "record_id": "id",
                "occurred_at": "at",
                "event_id": "id",
                "change_number": "number",
            }
        }
    )
    source = RestPlmSource(
        "tokens",
        base_url="https://plm.tokens.test",
        mapping=mapping,
        page_size=2,
        transport=httpx.MockTransport(answer),
    )
    assert [e.change_number for e in source.poll(None).events] == ["ECN-1", "ECN-2", "ECN-3"]
    assert queries == [
        {"state": "released", "limit": "2"},
        {"state": "released", "limit": "2", "pageToken": "2"},
    ]


def test_pages_leading_back_to_themselves_are_refused_not_walked_forever() -> None:
    page = {"items": [], "next": "https://cad.test/api/v16/revisions/companies/x?offset=0"}
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=page))
    source = RestPlmSource(
        "onshape",
        base_url="https://cad.test/api/v16",
        path_params={"company": "x"},
        transport=transport,
    )
    with pytest.raises(ConfigError, match="lead back"):
        source.poll(None)
