"""The API's composition root: configuration and environment in, services out.

The engine comes from `plmsync.bootstrap.build_engine`, its ERP targets wrapped so every call
is timed into the metrics; clients and webhook deliveries live in the same state database.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping

from plmsync.api.clients import ClientRegistry, ScryptHasher
from plmsync.api.ratelimit import RateLimiter
from plmsync.api.services import ApiServices
from plmsync.api.tokens import SESSION_AUDIENCE, TokenIssuer, signing_key
from plmsync.api.webhooks import WebhookVerifier, webhook_secrets
from plmsync.bootstrap import build_engine
from plmsync.config import WorkspaceConfig
from plmsync.domain.errors import ConfigError
from plmsync.engine.clock import Clock
from plmsync.engine.outbox import OutboxWriter, breach_listener
from plmsync.engine.service import Engine
from plmsync.engine.sla_watch import BreachListener, SlaWatch
from plmsync.observability.breach_webhook import BreachWebhook
from plmsync.observability.metrics import Metrics
from plmsync.persistence import SqlStore
from plmsync.persistence.clients import SqlClientStore
from plmsync.ports.reviews import ReviewQueue


def open_clients(config: WorkspaceConfig) -> SqlClientStore:
    return SqlClientStore(config.engine.state_url(config.base_dir))


def build_services(
    config: WorkspaceConfig,
    *,
    env: Mapping[str, str] | None = None,
    clock: Clock | None = None,
    reviews: ReviewQueue | None = None,
    hasher: ScryptHasher | None = None,
) -> ApiServices:
    env = os.environ if env is None else env
    api = config.api
    key = signing_key(api.signing_key_env, config.engine.state_dir(config.base_dir), env)
    verifier = WebhookVerifier(webhook_secrets(api.webhook_secrets_env, env))
    metrics = Metrics()
    engine = build_engine(config, wrap_target=metrics.timed, clock=clock)
    metrics.watch(engine.store, engine.clock.now)
    metrics.watch_kpis(engine.store, config.sla, engine.clock.now)
    store = open_clients(config)
    return ApiServices(
        config=config,
        engine=engine,
        clients=ClientRegistry(store, hasher),
        tokens=TokenIssuer(key, dt.timedelta(seconds=api.token_ttl_seconds)),
        webhooks=verifier,
        deliveries=store,
        metrics=metrics,
        limiter=RateLimiter(api.rate_limit_per_second, api.rate_limit_burst),
        sla=SlaWatch(
            engine.store,
            config.sla,
            engine.clock,
            [*breach_listeners(config, metrics, env), breach_listener(outbox_of(engine))],
        ),
        sessions=TokenIssuer(key, dt.timedelta(hours=api.session_hours), audience=SESSION_AUDIENCE),
        reviews=reviews or engine.reviews,
    )


def breach_listeners(
    config: WorkspaceConfig, metrics: Metrics, env: Mapping[str, str]
) -> list[BreachListener]:
    """The metric always; the outbound webhook when `sla.breach_webhook_url` is set."""
    listeners: list[BreachListener] = [metrics.breached]
    sla = config.sla
    if sla.breach_webhook_url:
        secret = env.get(sla.breach_webhook_secret_env or "", "")
        if not secret:
            raise ConfigError(
                "sla.breach_webhook_url is set but its secret is not",
                remedy="Set sla.breach_webhook_secret_env and export that variable (whsec_…).",
            )
        listeners.append(BreachWebhook(sla.breach_webhook_url, secret))
    return listeners


def outbox_of(engine: Engine) -> OutboxWriter:
    """The state database holds the outbox too (persistence.SqlStore is both)."""
    store = engine.store
    if not isinstance(store, SqlStore):
        raise ConfigError("the service needs the SQL state store (it holds the outbox)")
    return store


def close_services(services: ApiServices) -> None:
    services.engine.close()
    close = getattr(services.deliveries, "close", None)
    if callable(close):
        close()
