"""The PLM sections of plmsync.yaml: sources and the inbox folder, secrets by variable name,
and the shipped example mapping."""

from __future__ import annotations

from pathlib import Path

import pytest

from plmsync.config import load_config
from plmsync.config_plm import ApiKeyAuth, OAuth2Auth
from plmsync.connectors.plm.build import configured_source, rest_source
from plmsync.connectors.plm.mapping import load_mapping
from plmsync.domain.errors import ConfigError

EXAMPLE_MAPPING = Path(__file__).resolve().parents[2] / "examples" / "plm-rest-mapping.yaml"
BASE = "version: 1\nplants: {US01: {target: mem}}\ntargets: {mem: {kind: memory}}\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "plmsync.yaml"
    path.write_text(BASE + text, encoding="utf-8")
    return path


def test_sources_and_the_inbox_are_read(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            "sources:\n"
            "  onshape:\n"
            "    base_url: https://cad.onshape.com/api/v16\n"
            "    auth: {kind: oauth2, token_url: https://oauth.onshape.com/oauth/token,\n"
            "           client_id_env: OS_ID, client_secret_env: OS_SECRET}\n"
            "  acme:\n"
            "    base_url: https://plm.acme.test\n"
            "    auth: {kind: api_key, key_env: ACME_KEY}\n"
            "inbox: {directory: drop, plants: [US01]}\n",
        )
    )
    assert isinstance(config.sources["onshape"].auth, OAuth2Auth)
    assert isinstance(config.sources["acme"].auth, ApiKeyAuth)
    assert config.inbox is not None and config.inbox.directory == "drop"


def test_a_secret_written_into_the_file_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "sources:\n  acme:\n    base_url: https://plm.acme.test\n"
        "    auth: {kind: api_key, key: hunter2}\n",
    )
    with pytest.raises(ConfigError) as refused:
        load_config(path)
    # Line 7 is the auth block (3 lines of BASE, then sources, acme, base_url, auth).
    assert "plmsync.yaml:7: sources.acme.auth.api_key.key: Extra inputs" in refused.value.message
    assert "hunter2" not in refused.value.message


def test_a_source_without_its_secret_in_the_environment_names_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_config(
        write(
            tmp_path,
            "sources:\n  acme:\n    base_url: https://plm.acme.test\n"
            "    auth: {kind: api_key, key_env: ACME_KEY}\n",
        )
    )
    with pytest.raises(ConfigError, match="ACME_KEY is not set"):
        rest_source("acme", config.sources["acme"], base_dir=tmp_path, env={})
    monkeypatch.setenv("ACME_KEY", "k-1")
    name, source = configured_source(config, None)  # the only source, found without a name
    source.close()
    assert name == "acme"


def test_an_unknown_source_lists_the_configured_ones(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "sources: {}\n"))
    with pytest.raises(ConfigError, match=r"sources: none"):
        configured_source(config, "onshape")


def test_the_example_mapping_loads() -> None:
    mapping = load_mapping(EXAMPLE_MAPPING)
    assert (mapping.feed.records, mapping.bom.headers, mapping.bom.values) == ("data", None, None)
    assert mapping.notification.accept == {"type": "change.released"}
