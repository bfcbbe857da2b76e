"""The PLM side of `plmsync.yaml`: REST sources to poll (`sources:`) and the watched inbox
folder (`inbox:`). Secrets are named by environment variable: their values never appear in
the file, in logs or in error messages.

    sources:
      onshape:
        kind: rest
        base_url: https://cad.onshape.com/api/v16
        auth: {kind: oauth2, token_url: https://oauth.onshape.com/oauth/token,
               client_id_env: ONSHAPE_CLIENT_ID, client_secret_env: ONSHAPE_CLIENT_SECRET}
        path_params: {company: 5f3e2c1a9b8d7e6f5a4b3c2d}
        plants: [US01, DE01]          # each released change is effective there on its date
        mapping: onshape-mapping.yaml # optional; Onshape's API by default
    inbox:
      directory: inbox                # files dropped here are submitted, then moved
      plants: [US01]
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OAuth2Auth(_Config):
    """OAuth2 client credentials: a bearer token fetched, cached and refreshed on a 401."""

    kind: Literal["oauth2"]
    token_url: str
    client_id_env: str = Field(description="Environment variable holding the client id.")
    client_secret_env: str = Field(description="Environment variable holding the secret.")
    scope: str = ""


class ApiKeyAuth(_Config):
    kind: Literal["api_key"]
    key_env: str = Field(description="Environment variable holding the key.")
    header: str = "X-API-Key"
    prefix: str = Field(default="", description="e.g. `Token` for `Authorization: Token …`.")


class BasicAuth(_Config):
    """HTTP Basic (Onshape API keys: the access key as user, the secret key as password)."""

    kind: Literal["basic"]
    user_env: str
    password_env: str


AuthConfig = Annotated[OAuth2Auth | ApiKeyAuth | BasicAuth, Field(discriminator="kind")]


class RestSourceConfig(_Config):
    """A PLM polled over REST (see plmsync.connectors.plm.rest)."""

    kind: Literal["rest"] = "rest"
    base_url: str
    auth: AuthConfig | None = None
    mapping: str | None = Field(
        default=None, description="REST mapping YAML (workspace-relative); Onshape's if unset."
    )
    path_params: dict[str, str] = Field(default_factory=dict, description="e.g. {company: …}.")
    plants: list[str] = Field(default_factory=list, description="Plants each change is for.")
    page_size: int = Field(default=20, ge=1, le=1000)
    max_pages: int = Field(default=50, ge=1, description="Pages read per poll at most.")
    poll_seconds: float = Field(default=60.0, gt=0, description="`plmsync poll` interval.")
    timeout_seconds: float = Field(default=30.0, gt=0)


class InboxFolderConfig(_Config):
    """A folder PLM exports are dropped into (see plmsync.engine.inbox_folder)."""

    directory: str = Field(description="Workspace-relative; processed/ and rejected/ inside.")
    settle_seconds: float = Field(
        default=2.0, ge=0, description="A file is read once unmodified this long."
    )
    scan_seconds: float = Field(default=5.0, gt=0, description="Scan interval of the watcher.")
    abandoned_seconds: float = Field(
        default=300.0, gt=0, description="A file left this long in .processing/ is taken again."
    )
    plants: list[str] = Field(default_factory=list, description="Plants imported BOMs are for.")
    mapping: str | None = Field(
        default=None, description="Column mapping YAML for BOM files (workspace-relative)."
    )
