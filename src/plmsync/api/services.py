"""What the routes work with, assembled once per process (`plmsync.api.bootstrap`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from plmsync.api.clients import ClientRegistry
from plmsync.api.ratelimit import RateLimiter
from plmsync.api.tokens import TokenIssuer
from plmsync.api.webhooks import WebhookVerifier
from plmsync.config import WorkspaceConfig
from plmsync.engine.service import Engine
from plmsync.engine.sla_watch import SlaWatch
from plmsync.observability.metrics import Metrics
from plmsync.ports.clients import DeliveryLog
from plmsync.ports.reviews import NoReviews, ReviewQueue


def wall_clock() -> dt.datetime:
    """Tokens are checked against real time (their `exp`), whatever clock the engine uses."""
    return dt.datetime.now(dt.UTC)


@dataclass
class ApiServices:
    config: WorkspaceConfig
    engine: Engine
    clients: ClientRegistry
    tokens: TokenIssuer
    webhooks: WebhookVerifier
    deliveries: DeliveryLog
    metrics: Metrics
    limiter: RateLimiter
    sla: SlaWatch
    sessions: TokenIssuer  # dashboard sign-ins (their own audience: not API bearer tokens)
    reviews: ReviewQueue = field(default_factory=NoReviews)
    now: Callable[[], dt.datetime] = wall_clock
