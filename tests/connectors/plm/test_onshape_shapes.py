"""The recorded payloads and the Onshape stand-in speak the real Onshape API: every field they
carry is a property of the matching schema in Onshape's OpenAPI spec, and the endpoints and
query parameters the default mapping uses are in the spec. Read in place from
../shared/data/onshape_rest_openapi (skipped, with the reason, when the folder is absent)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from plmsync.connectors.plm.mapping import RestMapping
from plmsync.testing.packages import release_package
from plmsync.testing.plm_contract import T0
from tests.connectors.plm.onshape_server import OnshapeServer

SPEC = (
    Path(__file__).resolve().parents[3]
    / ".."
    / "shared"
    / "data"
    / "onshape_rest_openapi"
    / "onshape_openapi.json"
)
PAYLOADS = Path(__file__).parent / "payloads"


@cache
def spec() -> dict[str, Any]:
    if not SPEC.is_file():
        pytest.skip(f"the Onshape OpenAPI spec is not at {SPEC}")
    document: dict[str, Any] = json.loads(SPEC.read_text(encoding="utf-8"))
    return document


def fields_of(schema: str) -> set[str]:
    return set(spec()["components"]["schemas"][schema]["properties"])


def unknown_fields(document: dict[str, Any], schema: str) -> set[str]:
    return set(document) - fields_of(schema)


def release_package_problems(package: dict[str, Any]) -> list[str]:
    problems = [f"package.{k}" for k in unknown_fields(package, "BTReleasePackageInfo")]
    for item in package["items"]:
        problems += [f"item.{k}" for k in unknown_fields(item, "BTReleasePackageItemInfo")]
        for prop in item["properties"]:
            problems += [f"property.{k}" for k in unknown_fields(prop, "BTMetadataPropertyInfo")]
    return problems


def bom_problems(bom: dict[str, Any]) -> list[str]:
    problems = [f"bom.{k}" for k in unknown_fields(bom, "BTBillOfMaterialsInfo")]
    for header in bom["headers"]:
        problems += [f"header.{k}" for k in unknown_fields(header, "BTBillOfMaterialsHeaderInfo")]
    for row in bom["rows"]:
        problems += [f"row.{k}" for k in unknown_fields(row, "BTBillOfMaterialsRowInfo")]
        source = row.get("itemSource", {})
        problems += [
            f"itemSource.{k}" for k in unknown_fields(source, "BTBillOfMaterialsItemSourceInfo")
        ]
    return problems


def revisions_problems(page: dict[str, Any]) -> list[str]:
    problems = [f"page.{k}" for k in unknown_fields(page, "BTListResponseBTRevisionInfo")]
    for revision in page["items"]:
        problems += [f"revision.{k}" for k in unknown_fields(revision, "BTRevisionInfo")]
    return problems


def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((PAYLOADS / name).read_text(encoding="utf-8"))
    return document


def test_the_recorded_payloads_use_only_fields_of_the_spec() -> None:
    assert unknown_fields(load("workflow_transition.json"), "BTWorkflowMessageBody") == set()
    assert revisions_problems(load("revisions.json")) == []
    assert release_package_problems(load("releasepackage.json")) == []
    assert bom_problems(load("bom.json")) == []


def test_the_stand_in_answers_use_only_fields_of_the_spec() -> None:
    server = OnshapeServer()
    rpid = server.release(release_package(), T0)
    assert release_package_problems(server.packages[rpid]) == []
    assert all(bom_problems(bom) == [] for bom in server.boms.values())
    assert revisions_problems({"items": server.revisions}) == []
    notification = json.loads(server.notification("REL-0007"))
    assert unknown_fields(notification, "BTWorkflowMessageBody") == set()


def test_the_default_mapping_calls_endpoints_of_the_spec() -> None:
    mapping = RestMapping()
    paths = spec()["paths"]
    feed = paths["/revisions/companies/{cid}"]["get"]
    feed_params = {p["name"] for p in feed["parameters"]}
    assert {mapping.feed.since_param, mapping.feed.limit_param} | set(mapping.feed.params) <= (
        feed_params
    )
    change = paths["/releasepackages/{rpid}"]["get"]
    assert set(mapping.change.params) <= {p["name"] for p in change["parameters"]}
    bom = paths["/assemblies/d/{did}/{wvm}/{wvmid}/e/{eid}/bom"]["get"]
    assert set(mapping.bom.params) <= {p["name"] for p in bom["parameters"]}
