"""Schemathesis against the app's own OpenAPI document, every check enabled: no 5xx, every
answer conforms to the document (statuses, content types, headers, bodies), invalid input is
refused, and no route declaring a scope answers without credentials (`ignored_auth` strips
and forges the admin token the test sends, and expects 401/403).

Kept small (few examples per operation) so it runs in seconds. The app is built when the
module is collected, because the schema must exist to parametrize the test (a lazy
`from_fixture` schema would need these schemathesis and pytest releases in step)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.case import Case

from plmsync.api.app import create_app
from plmsync.api.bootstrap import close_services
from tests.api.conftest import RELEASE, bearer, run, services_for

CONFIG = """
[generation]
max-examples = 4

# A package valid by the JSON schema may still break plmsync's rules (unknown plant, BOM
# cycle...): refusing it with 422 and every issue is the documented answer, not a defect.
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "400", "401", "403", "404", "409", "422", "429"]

# Known gap of the change-package contract (plmsync.domain.package, not the API): pydantic's
# lax mode coerces some JSON types the published schema forbids (e.g. `"effective_to": 0` is
# read as 1970-01-01). Raised with the contract's owners; until it is strict, bodies that are
# change packages are exempt from this one check. Every other check still runs on them.
[[operations]]
include-name-regex = '^POST /v1/(changes|validate|events|dead-letters/[^/]+/replay)$'
checks.negative_data_rejection.enabled = false

# The coverage phase walks every boundary of the (large) package schema: ~5 s per route. It
# runs on POST /v1/validate; the other package routes parse bodies with the same function
# (and /v1/events refuses anything unsigned), so they get the generated examples only.
[[operations]]
include-name-regex = '^POST /v1/(changes|events|dead-letters/[^/]+/replay)$'
phases.coverage.enabled = false
"""

_directory = Path(tempfile.mkdtemp(prefix="plmsync-schemathesis-"))
_services = services_for(_directory, rate_limit_burst=10**6)
_services.engine.submit(RELEASE)  # a synced release, so some drawn ids exist
run(_services)
ADMIN = bearer(_services, "admin")
schema = schemathesis.openapi.from_asgi(
    "/openapi.json", create_app(_services), config=SchemathesisConfig.from_str(CONFIG)
)


@pytest.fixture(scope="module", autouse=True)
def _cleanup() -> Iterator[None]:
    yield
    close_services(_services)
    shutil.rmtree(_directory, ignore_errors=True)


@schema.parametrize()
@settings(deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_documented_contract(case: Case) -> None:
    case.call_and_validate(headers=ADMIN)
