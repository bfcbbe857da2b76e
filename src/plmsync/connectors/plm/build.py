"""A configured REST source (`sources:` in plmsync.yaml) → a `RestPlmSource`, its secrets
read from the environment variables the configuration names."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import httpx

from plmsync.config import WorkspaceConfig
from plmsync.config_plm import ApiKeyAuth, AuthConfig, BasicAuth, OAuth2Auth, RestSourceConfig
from plmsync.connectors.plm.auth import ApiKey, ClientCredentials
from plmsync.connectors.plm.mapping import load_mapping
from plmsync.connectors.plm.rest import RestPlmSource
from plmsync.domain.errors import ConfigError


def rest_source(
    name: str,
    config: RestSourceConfig,
    *,
    base_dir: Path,
    env: Mapping[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> RestPlmSource:
    environment = os.environ if env is None else env
    return RestPlmSource(
        name,
        base_url=config.base_url,
        auth=_auth(name, config.auth, environment),
        mapping=load_mapping(base_dir / config.mapping if config.mapping else None),
        path_params=config.path_params,
        plants=config.plants,
        page_size=config.page_size,
        max_pages=config.max_pages,
        timeout_seconds=config.timeout_seconds,
        transport=transport,
    )


def _auth(name: str, auth: AuthConfig | None, env: Mapping[str, str]) -> httpx.Auth | None:
    if auth is None:
        return None
    if isinstance(auth, OAuth2Auth):
        client_id = _secret(name, auth.client_id_env, env)
        secret = _secret(name, auth.client_secret_env, env)
        return ClientCredentials(auth.token_url, client_id, secret, scope=auth.scope)
    if isinstance(auth, ApiKeyAuth):
        return ApiKey(_secret(name, auth.key_env, env), header=auth.header, prefix=auth.prefix)
    assert isinstance(auth, BasicAuth)
    return httpx.BasicAuth(_secret(name, auth.user_env, env), _secret(name, auth.password_env, env))


def _secret(source: str, variable: str, env: Mapping[str, str]) -> str:
    value = env.get(variable, "")
    if not value:
        raise ConfigError(
            f"source {source}: the environment variable {variable} is not set",
            remedy=f"Set {variable} for the plmsync process (plmsync.yaml names it).",
        )
    return value


def configured_source(config: WorkspaceConfig, name: str | None) -> tuple[str, RestPlmSource]:
    """The source named in `sources:` (or the only one) with its name."""
    if name is None and len(config.sources) == 1:
        name = next(iter(config.sources))
    if name is None or name not in config.sources:
        known = ", ".join(sorted(config.sources)) or "none"
        raise ConfigError(
            f"no PLM source {name!r} in the configuration (sources: {known})"
            if name
            else f"say which PLM source to poll with --source (sources: {known})",
            remedy="Add the source under `sources:` in plmsync.yaml, or name a configured one.",
        )
    return name, rest_source(name, config.sources[name], base_dir=config.base_dir)
