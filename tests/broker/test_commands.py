"""The event commands' edges that need no RabbitMQ: a workspace without `broker:` cannot
consume, and a relay with no channel says so and stops when idle."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from plmsync.cli.app import app

WORKSPACE = {
    "version": 1,
    "plants": {"US01": {"target": "m"}},
    "targets": {"m": {"kind": "memory"}},
}


def workspace(tmp_path: Path) -> Path:
    path = tmp_path / "plmsync.yaml"
    path.write_text(yaml.safe_dump(WORKSPACE), encoding="utf-8")
    return path


def test_consume_without_a_broker_section_says_what_to_add(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["consume", "--config", str(workspace(tmp_path))])
    assert result.exit_code == 1
    assert "no broker: section" in result.stderr and "PLMSYNC-CONFIG" in result.stderr


def test_a_relay_without_channels_says_so_and_stops_when_idle(tmp_path: Path) -> None:
    args = ["relay", "--config", str(workspace(tmp_path)), "--exit-when-idle"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "no channel configured" in result.output
    assert "0 delivered" in result.output


def test_retrying_a_delivery_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    args = ["outbox", "retry", "1", "broker", "--config", str(workspace(tmp_path))]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert "PLMSYNC-STORE-NOT-FOUND" in result.stderr
