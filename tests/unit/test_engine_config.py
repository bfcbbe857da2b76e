"""The optional `engine:` section of plmsync.yaml and the settings the engine reads from it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from plmsync.config import EngineConfig, load_config
from plmsync.domain.errors import ConfigError
from plmsync.engine.settings import EngineSettings

WORKSPACE = "version: 1\nplants: {US01: {target: mem}}\ntargets: {mem: {kind: memory}}\n"


def test_without_an_engine_section_the_state_lives_in_the_workspace(tmp_path: Path) -> None:
    path = tmp_path / "plmsync.yaml"
    path.write_text(WORKSPACE, encoding="utf-8")
    config = load_config(path)
    assert config.engine == EngineConfig()
    assert config.engine.state_url(config.base_dir) == f"sqlite:///{tmp_path / 'state.sqlite'}"


def test_every_knob_is_read(tmp_path: Path) -> None:
    path = tmp_path / "plmsync.yaml"
    path.write_text(
        WORKSPACE
        + "engine:\n  url: postgresql://plmsync@db/plmsync\n  lease_seconds: 2\n"
        + "  heartbeat_seconds: 0.5\n  max_attempts: 3\n  backoff_base_seconds: 1\n"
        + "  backoff_max_seconds: 10\n  jitter: 0\n  worker_threads: 4\n",
        encoding="utf-8",
    )
    config = load_config(path)
    assert config.engine.state_url(tmp_path) == "postgresql://plmsync@db/plmsync"
    settings = EngineSettings.from_config(config.engine)
    assert settings.lease == dt.timedelta(seconds=2)
    assert settings.heartbeat == dt.timedelta(seconds=0.5)
    assert settings.threads == 4
    assert settings.retry.max_attempts == 3
    assert settings.retry.max_delay == dt.timedelta(seconds=10)


def test_a_heartbeat_slower_than_the_lease_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plmsync.yaml"
    path.write_text(WORKSPACE + "engine: {lease_seconds: 5, heartbeat_seconds: 5}\n", "utf-8")
    with pytest.raises(ConfigError, match="heartbeat_seconds must be shorter than lease_seconds"):
        load_config(path)


def test_a_typo_in_the_engine_section_is_named(tmp_path: Path) -> None:
    path = tmp_path / "plmsync.yaml"
    path.write_text(WORKSPACE + "engine: {leese_seconds: 5}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="leese_seconds"):
        load_config(path)
