"""A stand-in for Onshape's REST API v16, behind `httpx.MockTransport`: the endpoints the REST
source calls, answering in the shapes of Onshape's OpenAPI spec
(`../shared/data/onshape_rest_openapi/onshape_openapi.json`):

- `POST /oauth/token` (client credentials, Basic-authenticated client) → a bearer token;
- `GET /revisions/companies/{cid}?after&limit&offset` → `BTListResponseBTRevisionInfo`, one
  revision per released item, oldest first, `after` inclusive, with a `next` link;
- `GET /releasepackages/{rpid}` → `BTReleasePackageInfo`, items carrying `properties`;
- `GET /assemblies/d/{did}/v/{vid}/e/{eid}/bom` → `BTBillOfMaterialsInfo`, rows keyed by
  header id.

A change package "released" here is rendered into those documents, so the contract suite can
compare what the source fetches with what was released. Test seams: `expire_tokens()`,
`refuse_client()`, and `fail_next(response)` to serve canned failures before real answers.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import httpx

from plmsync.domain.package import ChangePackage, Item

BASE_URL = "https://cad.test/api/v16"
TOKEN_URL = "https://oauth.test/oauth/token"
COMPANY = "5f3e2c1a9b8d7e6f5a4b3c2d"
CLIENT_ID, CLIENT_SECRET = "plmsync-client", "s3cret-value"

# Onshape's BOM header ids are opaque; the property names are what a mapping matches on.
HEADERS = [
    ("5ace84d3c046ad611c65a0dd", "Item", "item"),
    ("5ace8269c046ad612c65a0ba", "Quantity", "quantity"),
    ("57f3fb8efa3416c06701d60f", "Part number", "partNumber"),
    ("57f3fb8efa3416c06701d60d", "Name", "name"),
    ("57f3fb8efa3416c06701d60e", "Description", "description"),
    ("57f3fb8efa3416c06701d610", "Revision", "revision"),
    ("57f3fb8efa3416c06701d611", "State", "state"),
    ("57f3fb8efa3416c06701d612", "Vendor", "vendor"),
    ("6321a1b2c3d4e5f601234567", "Manufacturer", "manufacturer"),
    ("6321a1b2c3d4e5f601234568", "Manufacturer part number", "mpn"),
]
PART_STUDIO, ASSEMBLY, DRAWING = 0, 1, 2


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _property(name: str, value: object) -> dict[str, object]:
    return {"name": name, "propertyId": f"prop-{name.lower().replace(' ', '-')}", "value": value}


@dataclass
class OnshapeServer:
    base_url: str = BASE_URL
    token_url: str = TOKEN_URL
    revisions: list[dict[str, Any]] = field(default_factory=list)
    packages: dict[str, dict[str, Any]] = field(default_factory=dict)
    boms: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    token_requests: int = 0
    api_requests: list[httpx.Request] = field(default_factory=list)
    failures: list[httpx.Response] = field(default_factory=list)
    client_refused: bool = False

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    # --- the PLM's side -------------------------------------------------------------------

    def release(self, package: ChangePackage, at: dt.datetime) -> str:
        """Release the package's items as one release package; returns its id."""
        rpid = f"rp{len(self.packages) + 1:04d}"
        with_bom = {bom.item for bom in package.boms}
        ids = {item.number: f"{rpid}-i{n}" for n, item in enumerate(package.items, 1)}
        items = [
            self._item(rpid, item, ids[item.number], item.number in with_bom)
            for item in package.items
        ]
        items += [self._drawing(rpid, doc, n, ids) for n, doc in enumerate(package.documents, 1)]
        for bom in package.boms:
            self.boms[f"d-{bom.item}/v-{rpid}/e-{bom.item}"] = self._bom(package, bom.item)
        self.packages[rpid] = {
            "id": rpid,
            "name": package.change.number,
            "description": package.change.title,
            "companyId": COMPANY,
            "createdAt": at.isoformat(),
            "modifiedAt": at.isoformat(),
            "isObsoletion": False,
            "items": items,
            "href": f"{self.base_url}/releasepackages/{rpid}",
        }
        for item in items:
            self._revise(rpid, package.change.number, item, at)
        return rpid

    def notification(self, change_number: str) -> bytes:
        """The `onshape.workflow.transition` webhook body (`BTWorkflowMessageBody`) Onshape
        sends when the release package of this change is released."""
        rpid = next(p["id"] for p in self.packages.values() if p["name"] == change_number)
        body = {
            "event": "onshape.workflow.transition",
            "objectId": rpid,
            "objectType": "RELEASE",
            "transitionName": "RELEASE",
            "timestamp": self.packages[rpid]["modifiedAt"],
            "messageId": f"msg-{rpid}",
            "webhookId": "65f0c0ffee0000000000beef",
            "workflowId": "5b2d1f9e8c7a6b5d4e3f2a1b",
        }
        return json.dumps(body).encode()

    def expire_tokens(self) -> None:
        self.tokens.clear()

    def refuse_client(self) -> None:
        self.client_refused = True
        self.tokens.clear()

    def fail_next(self, *responses: httpx.Response) -> None:
        self.failures.extend(responses)

    # --- rendering ------------------------------------------------------------------------

    def _item(self, rpid: str, item: Item, item_id: str, assembly: bool) -> dict[str, Any]:
        return {
            "id": item_id,
            "rpid": rpid,
            "name": item.name,
            "elementType": ASSEMBLY if assembly else PART_STUDIO,
            "documentId": f"d-{item.number}",
            "versionId": f"v-{rpid}",
            "elementId": f"e-{item.number}",
            "partId": "JHD" if not assembly else None,
            "isRevisionManaged": True,
            "properties": [
                _property("Part number", item.number),
                _property("Revision", item.revision),
                _property("Description", item.description),
                _property("Unit of measure", item.uom),
                _property("State", "RELEASED"),
            ],
        }

    def _drawing(self, rpid: str, doc: Any, n: int, ids: dict[str, str]) -> dict[str, Any]:
        return {
            "id": f"{rpid}-d{n}",
            "rpid": rpid,
            "name": doc.title,
            "elementType": DRAWING,
            "documentId": f"d-{doc.number}",
            "versionId": f"v-{rpid}",
            "elementId": f"e-{doc.number}",
            "viewRef": doc.url,
            "referenceIds": [ids[number] for number in doc.items if number in ids],
            "properties": [
                _property("Part number", doc.number),
                _property("Revision", doc.revision),
            ],
        }

    def _bom(self, package: ChangePackage, parent: str) -> dict[str, Any]:
        bom = next(b for b in package.boms if b.item == parent)
        items = {item.number: item for item in package.items}
        rows = []
        for line in bom.lines:
            component = items[line.component]
            source = next((s for s in package.sources if s.item == line.component), None)
            values: list[object] = [
                str(line.find_number),
                _number(line.quantity),
                line.component,
                component.name,
                component.description,
                component.revision,
                "Released",
                source.supplier if source else "",
                source.manufacturer if source else "",
                source.mpn if source else "",
            ]
            rows.append(
                {
                    "id": f"row-{parent}-{line.find_number}",
                    "rowId": f"row-{parent}-{line.find_number}",
                    "indentLevel": 0,
                    "headerIdToValue": {h[0]: v for h, v in zip(HEADERS, values, strict=True)},
                    "relatedOccurrences": [f"occ-{line.component}"],
                }
            )
        headers = [
            {"id": hid, "name": name, "propertyName": prop, "visible": True, "valueType": "STRING"}
            for hid, name, prop in HEADERS
        ]
        return {
            "formatVersion": "1.0",
            "name": f"{parent} BOM",
            "type": "flattened",
            "headers": headers,
            "rows": rows,
        }

    def _revise(self, rpid: str, change: str, item: dict[str, Any], at: dt.datetime) -> None:
        n = len(self.revisions) + 1
        properties = {p["name"]: p["value"] for p in item["properties"]}
        self.revisions.append(
            {
                "id": f"rev{n:05d}",
                "companyId": COMPANY,
                "partNumber": properties["Part number"],
                "revision": properties["Revision"],
                "releaseId": rpid,
                "releaseName": change,
                "createdAt": at.isoformat(),
                "releaseCreatedDate": at.isoformat(),
                "documentId": item["documentId"],
                "versionId": item["versionId"],
                "elementId": item["elementId"],
                "elementType": item["elementType"],
                "isObsolete": False,
            }
        )

    # --- the API --------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        if str(request.url) == self.token_url:
            return self._token(request)
        self.api_requests.append(request)
        if self.failures:
            return self.failures.pop(0)
        bearer = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if bearer not in self.tokens:
            return httpx.Response(401, json={"message": "Unauthenticated", "status": 401})
        return self._route(request)

    def _token(self, request: httpx.Request) -> httpx.Response:
        self.token_requests += 1
        expected = httpx.BasicAuth(CLIENT_ID, CLIENT_SECRET)
        sent = request.headers.get("Authorization")
        wanted = next(expected.auth_flow(httpx.Request("POST", self.token_url))).headers[
            "Authorization"
        ]
        form = dict(x.split("=", 1) for x in request.content.decode().split("&"))
        if self.client_refused or sent != wanted or form.get("grant_type") != "client_credentials":
            return httpx.Response(401, json={"error": "invalid_client"})
        token = f"tok-{self.token_requests}"
        self.tokens.add(token)
        return httpx.Response(
            200, json={"access_token": token, "token_type": "bearer", "expires_in": 3600}
        )

    def _route(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix(httpx.URL(self.base_url).path)
        if match := re.fullmatch(r"/revisions/companies/([^/]+)", path):
            return self._revisions(match[1], request.url.params)
        if match := re.fullmatch(r"/releasepackages/([^/]+)", path):
            found = self.packages.get(match[1])
            return _json(found) if found else httpx.Response(404, json={"message": "Not found"})
        if match := re.fullmatch(r"/assemblies/d/([^/]+)/v/([^/]+)/e/([^/]+)/bom", path):
            bom = self.boms.get(f"{match[1]}/{match[2]}/{match[3]}")
            return _json(bom) if bom else httpx.Response(404, json={"message": "No BOM"})
        return httpx.Response(404, json={"message": f"no route {path}"})

    def _revisions(self, company: str, params: httpx.QueryParams) -> httpx.Response:
        after = dt.datetime.fromisoformat(params.get("after", "2000-01-01T00:00:00+00:00"))
        limit, offset = int(params.get("limit", "20")), int(params.get("offset", "0"))
        matching = [
            r
            for r in sorted(self.revisions, key=lambda r: dt.datetime.fromisoformat(r["createdAt"]))
            if r["companyId"] == company and dt.datetime.fromisoformat(r["createdAt"]) >= after
        ]
        page = matching[offset : offset + limit]
        here = f"{self.base_url}/revisions/companies/{company}"
        query = {"after": after.isoformat(), "limit": limit}
        body: dict[str, Any] = {
            "items": page,
            "href": f"{here}?{urlencode({**query, 'offset': offset})}",
        }
        if offset + limit < len(matching):
            body["next"] = f"{here}?{urlencode({**query, 'offset': offset + limit})}"
        return _json(body)


def _json(body: object) -> httpx.Response:
    return httpx.Response(
        200,
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/json;charset=UTF-8"},
    )
