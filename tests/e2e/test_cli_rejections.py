"""Bad input gets a clear, structured error from the CLI: a code, the problems, a remedy."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from plmsync.cli.app import app

runner = CliRunner()


def _memory_workspace(tmp_path: Path) -> Path:
    config = tmp_path / "plmsync.yaml"
    config.write_text(
        "version: 1\nplants: {US01: {target: mem, region: NA}}\ntargets: {mem: {kind: memory}}\n",
        encoding="utf-8",
    )
    return config


def test_malformed_json_is_rejected_with_code_and_no_traceback(tmp_path: Path) -> None:
    package = tmp_path / "broken.json"
    package.write_text("{not json", encoding="utf-8")
    result = runner.invoke(
        app, ["plan", str(package), "--config", str(_memory_workspace(tmp_path))]
    )
    assert result.exit_code == 1
    assert "PLMSYNC-PACKAGE-INVALID" in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_unknown_field_is_named(tmp_path: Path) -> None:
    example = json.loads(Path("examples/gp40-release.json").read_text(encoding="utf-8"))
    example["items"][0]["colour"] = "red"
    package = tmp_path / "extra.json"
    package.write_text(json.dumps(example), encoding="utf-8")
    result = runner.invoke(
        app, ["plan", str(package), "--config", str(_memory_workspace(tmp_path))]
    )
    assert result.exit_code == 1
    assert "items.0.colour: unknown field" in result.stderr


def test_missing_config_says_what_to_do(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["plan", "examples/gp40-release.json", "--config", str(tmp_path / "none.yaml")]
    )
    assert result.exit_code == 1
    assert "PLMSYNC-CONFIG" in result.stderr
    assert "plmsync init" in result.stderr
