"""Workspace configuration (`plmsync.yaml`): plants, the ERP target each maps to, units, and
the governance rules (`rules:`, see domain/rules.py).

Loaded once at the edge and validated; an error names the file, the line and the key that is
wrong (`plmsync.yaml:14: rules.plants.DE01.required_attributes: …`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from plmsync.config_errors import Loc, describe
from plmsync.config_plm import InboxFolderConfig, RestSourceConfig
from plmsync.domain.errors import ConfigError
from plmsync.domain.rules import RuleError, Rules
from plmsync.domain.sla import SlaPolicy

DEFAULT_CONFIG = Path("plmsync.yaml")


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UnitMapping(_Config):
    """A canonical unit code (EA, KG, …) and the ERP unit it means."""

    erp: str = Field(description="The ERP's unit symbol, e.g. Tryton's `u`, `kg`, `l`.")
    category: str = Field(description="Units convert only within one category.")


class TrytonTarget(_Config):
    kind: Literal["tryton"] = "tryton"
    database: str = Field(description="SQLite file (relative to the workspace) or PostgreSQL db.")
    backend: Literal["sqlite", "postgresql"] = "sqlite"
    uri: str | None = Field(default=None, description="postgresql://… for the postgresql backend.")
    xmlrpc_url: str | None = Field(
        default=None, description="Reach a running trytond over XML-RPC instead of in-process."
    )
    user: str = "admin"
    password_env: str | None = Field(
        default=None, description="Environment variable holding the password (never the value)."
    )


class FakeTarget(_Config):
    """An in-memory ERP, for tests and dry runs."""

    kind: Literal["memory"]


TargetConfig = Annotated[TrytonTarget | FakeTarget, Field(discriminator="kind")]


class PlantConfig(_Config):
    target: str
    region: str = ""
    name: str = ""


DEFAULT_UNITS: dict[str, UnitMapping] = {
    code: UnitMapping(erp=erp, category=category)
    for code, erp, category in (
        ("EA", "u", "unit"),
        ("PCS", "u", "unit"),
        ("PC", "u", "unit"),
        ("KG", "kg", "weight"),
        ("G", "g", "weight"),
        ("M", "m", "length"),
        ("CM", "cm", "length"),
        ("MM", "mm", "length"),
        ("L", "l", "volume"),
        ("ML", "cm³", "volume"),
    )
}


class EngineConfig(_Config):
    """The durable engine: where its state lives, leases, retries and worker threads."""

    database: str = Field(
        default="state.sqlite", description="SQLite file for the engine state (workspace-relative)."
    )
    url: str | None = Field(
        default=None, description="A SQLAlchemy URL instead (e.g. postgresql+psycopg://…)."
    )
    lease_seconds: float = Field(default=60.0, gt=0, description="A claimed job's lease.")
    heartbeat_seconds: float = Field(default=15.0, gt=0, description="Lease renewal interval.")
    max_attempts: int = Field(default=8, ge=1, description="Attempts before a dead letter.")
    backoff_base_seconds: float = Field(default=2.0, ge=0)
    backoff_max_seconds: float = Field(default=300.0, ge=0)
    jitter: float = Field(default=0.2, ge=0, lt=1, description="± fraction of each delay.")
    lock_wait_seconds: float = Field(
        default=1.0, ge=0, description="Retry delay when another job holds an ERP object."
    )
    poll_seconds: float = Field(default=1.0, gt=0, description="Idle worker's polling interval.")
    # One by default: Tryton runs in-process and is CPU-bound, so a second thread on the
    # benchmark release made a two-plant sync slower (1.34x the direct sync vs 1.21x).
    # More threads pay off when the ERP is remote and calls wait on the network.
    worker_threads: int = Field(default=1, ge=1, description="Threads of an embedded worker.")
    reconcile_every_seconds: float | None = Field(
        default=None,
        gt=0,
        description="The worker compares what was synced with live ERP this often (off: null).",
    )
    reconcile_heal: bool = Field(
        default=False, description="Scheduled reconciles also heal PLM-owned drift."
    )

    @model_validator(mode="after")
    def _heartbeat_within_lease(self) -> EngineConfig:
        if self.heartbeat_seconds >= self.lease_seconds:
            raise ValueError("engine.heartbeat_seconds must be shorter than lease_seconds")
        return self

    def state_url(self, base_dir: Path) -> str:
        if self.url:
            return self.url
        return f"sqlite:///{(base_dir / self.database).resolve()}"

    def state_dir(self, base_dir: Path) -> Path:
        """Where local state files live: beside the SQLite state database (the workspace
        directory when the state is in a server database)."""
        return base_dir if self.url else (base_dir / self.database).resolve().parent


MEBIBYTE = 1024 * 1024


class ApiConfig(_Config):
    """The HTTP service (`plmsync serve`). Secrets are named by environment variable: their
    values never appear in this file, in logs or in error messages."""

    webhook_secrets_env: list[str] = Field(
        default_factory=list,
        description="Environment variables each holding a PLM webhook secret (whsec_…); "
        "every one is accepted, so a secret is rotated by adding the new one first.",
    )
    signing_key_env: str | None = Field(
        default=None,
        description="Environment variable holding the access-token signing key (32+ bytes). "
        "Unset: a key is generated once in the state directory (mode 0600).",
    )
    token_ttl_seconds: int = Field(default=900, ge=60, le=86_400, description="Token lifetime.")
    rate_limit_per_second: float = Field(
        default=20.0, gt=0, description="Requests a client may make per second, sustained."
    )
    rate_limit_burst: int = Field(default=100, ge=1, description="Requests allowed in a burst.")
    max_body_bytes: int = Field(
        default=10 * MEBIBYTE, ge=1024, description="Larger request bodies get 413."
    )
    session_hours: float = Field(
        default=8, gt=0, le=24, description="A dashboard sign-in lasts this long (one shift)."
    )


class BrokerConfig(_Config):
    """RabbitMQ: PLM events come in on a quorum queue; plmsync's own events go out on a topic
    exchange. The password is named by environment variable, never written here."""

    host: str = "127.0.0.1"
    port: int = Field(default=5672, ge=1, le=65535)
    virtual_host: str = "/"
    user: str = "guest"
    password_env: str | None = Field(
        default=None,
        description="Environment variable holding the password (unset: RabbitMQ's local "
        "`guest` account, which only accepts connections from localhost).",
    )
    queue: str = Field(default="plmsync.changes", description="Quorum queue of PLM events.")
    dead_letter_exchange: str = "plmsync.changes.dlx"
    dead_letter_queue: str = "plmsync.changes.dead"
    delivery_limit: int = Field(
        default=5, ge=1, description="Deliveries before RabbitMQ dead-letters a message."
    )
    prefetch: int = Field(default=10, ge=1, description="Unacknowledged messages in flight.")
    events_exchange: str = Field(
        default="plmsync.events", description="Topic exchange of outbound CloudEvents."
    )


class WebhookSubscription(_Config):
    """A subscriber to plmsync's events, signed per Standard Webhooks."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$", description="Stable: deliveries track it.")
    url: str
    secret_env: str = Field(description="Environment variable holding the whsec_… secret.")


class OutboundConfig(_Config):
    """The outbox relay: CloudEvents to the broker's exchange (when `broker:` is set) and to
    every subscribed webhook; a webhook that keeps failing an event dead-letters it."""

    source: str = Field(default="urn:plmsync", description="CloudEvents `source` attribute.")
    webhooks: list[WebhookSubscription] = Field(default_factory=list)
    max_attempts: int = Field(default=8, ge=1, description="Webhook attempts per event.")
    backoff_base_seconds: float = Field(default=2.0, ge=0)
    backoff_max_seconds: float = Field(default=600.0, ge=0)
    timeout_seconds: float = Field(default=10.0, gt=0, description="Per webhook request.")
    relay_every_seconds: float | None = Field(
        default=None, gt=0, description="The worker relays the outbox this often (off: null)."
    )


class WorkspaceConfig(_Config):
    version: Literal[1] = 1
    plants: dict[str, PlantConfig]
    targets: dict[str, TargetConfig]
    units: dict[str, UnitMapping] = Field(default_factory=lambda: dict(DEFAULT_UNITS))
    engine: EngineConfig = Field(default_factory=EngineConfig)
    api: ApiConfig = Field(default_factory=ApiConfig)
    broker: BrokerConfig | None = None
    outbound: OutboundConfig = Field(default_factory=OutboundConfig)
    rules: Rules = Rules()
    sla: SlaPolicy = Field(default_factory=SlaPolicy)
    sources: dict[str, RestSourceConfig] = Field(default_factory=dict)  # PLMs to poll
    inbox: InboxFolderConfig | None = None  # a watched folder of PLM exports
    base_dir: Path = Field(default=Path("."), exclude=True)

    @model_validator(mode="after")
    def _plants_name_known_targets(self) -> WorkspaceConfig:
        for code, plant in self.plants.items():
            if plant.target not in self.targets:
                raise RuleError(
                    ("plants", code, "target"),
                    f"plant {code} names target {plant.target!r}, not in targets",
                )
        return self

    @model_validator(mode="after")
    def _rules_name_known_plants(self) -> WorkspaceConfig:
        """A rule for a plant or region nobody configured is a typo that would silently never
        apply, so it is refused."""
        unknown = _unknown_sites(self.rules, set(self.plants), self.regions)
        if unknown:
            known = f"plants {', '.join(sorted(self.plants))}; regions {', '.join(self.regions)}"
            raise RuleError(("rules", *unknown[0]), f"not a configured plant or region ({known})")
        return self

    @property
    def regions(self) -> list[str]:
        return sorted({plant.region for plant in self.plants.values() if plant.region})

    def region_of(self, plant: str) -> str:
        return self.plants[plant].region


def _unknown_sites(rules: Rules, plants: set[str], regions: list[str]) -> list[Loc]:
    """Where the rules name a plant or region that is not configured."""
    control = rules.export_control
    found: list[Loc] = [("plants", code) for code in rules.plants if code not in plants]
    found += [("regions", region) for region in rules.regions if region not in regions]
    found += [
        ("export_control", "excluded_plants", n)
        for n, code in enumerate(control.excluded_plants)
        if code not in plants
    ]
    found += [
        ("export_control", "excluded_regions", n)
        for n, region in enumerate(control.excluded_regions)
        if region not in regions
    ]
    return found


def load_config(path: Path) -> WorkspaceConfig:
    """Read and validate a workspace file; relative paths inside it are relative to the file."""
    if not path.is_file():
        raise ConfigError(
            f"no configuration at {path}",
            remedy="Pass --config FILE, or create a workspace with `plmsync init DIR`.",
        )
    text = path.read_text(encoding="utf-8")
    try:
        raw = yaml.safe_load(text) or {}
        return WorkspaceConfig.model_validate({**raw, "base_dir": path.parent.resolve()})
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    except ValidationError as exc:
        raise ConfigError("\n".join(describe(path, text, exc))) from exc
