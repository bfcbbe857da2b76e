"""The committed OpenAPI document is the one the code generates (`make schema` rewrites it)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from plmsync.api.app import routes_app
from plmsync.api.openapi import text
from plmsync.cli.app import app

ROOT = Path(__file__).resolve().parents[2]


def test_committed_openapi_is_what_the_app_generates() -> None:
    committed = (ROOT / "schemas" / "openapi.json").read_text(encoding="utf-8")
    assert text(routes_app()) == committed, "run `make schema` and commit schemas/openapi.json"


def test_plmsync_openapi_prints_it() -> None:
    result = CliRunner().invoke(app, ["openapi"])
    assert result.exit_code == 0
    assert result.stdout == text(routes_app())


def test_the_package_and_problem_bodies_are_named_components() -> None:
    schemas = text(routes_app())
    assert '"ChangePackage"' in schemas and '"Problem"' in schemas
    assert "application/problem+json" in schemas
