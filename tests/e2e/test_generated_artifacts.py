"""Committed artifacts (schema, error catalogue) must equal what the code generates now."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from plmsync.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def test_committed_schema_is_what_plmsync_schema_prints() -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    committed = (ROOT / "schemas" / "change-package.v1.json").read_text(encoding="utf-8")
    assert result.stdout == committed, "run `make schema` and commit schemas/"


def test_docs_errors_is_what_plmsync_catalogue_prints() -> None:
    result = runner.invoke(app, ["catalogue"])
    assert result.exit_code == 0
    assert result.stdout == (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
