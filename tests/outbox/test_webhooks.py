"""Outbound webhooks through `httpx.MockTransport`: each event is a structured CloudEvent,
signed per Standard Webhooks with the CloudEvents id as webhook-id; a subscriber that keeps
failing gets the event dead-lettered, which `plmsync outbox list` shows."""

from __future__ import annotations

import base64
import datetime as dt
import json
import random
from pathlib import Path

import httpx
import pytest
import yaml
from standardwebhooks import Webhook
from typer.testing import CliRunner

from plmsync.cli.app import app
from plmsync.cli.common import console
from plmsync.config import WebhookSubscription
from plmsync.connectors.webhooks.sender import WebhookChannel, secret_of
from plmsync.domain.errors import ConfigError
from plmsync.engine.clock import ManualClock
from plmsync.engine.model import JobState
from plmsync.engine.outbox import DeliveryStatus
from plmsync.engine.relay import Relay, RelayPass
from plmsync.engine.retry import RetryPolicy
from plmsync.persistence import SqlStore
from plmsync.ports.event_errors import DeliveryFailed
from tests.persistence.conftest import START
from tests.persistence.helpers import LEASE, receive

SECRET = "whsec_" + base64.b64encode(b"a test secret of 32 bytes, fixed").decode()
SUBSCRIPTION = WebhookSubscription(
    name="mes", url="https://mes.example/plmsync", secret_env="MES_SECRET"
)
EVENT = {"specversion": "1.0", "id": "plmsync-outbox-7", "type": "change.synced", "data": {}}


def channel(handler: httpx.MockTransport, max_attempts: int = 3) -> WebhookChannel:
    client = httpx.Client(transport=handler)
    return WebhookChannel(SUBSCRIPTION, SECRET, max_attempts=max_attempts, client=client)


def test_an_event_is_posted_signed_with_its_cloudevents_id() -> None:
    seen: list[httpx.Request] = []

    def accept(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    channel(httpx.MockTransport(accept)).send(EVENT)

    (request,) = seen
    assert str(request.url) == SUBSCRIPTION.url
    assert request.headers["content-type"] == "application/cloudevents+json"
    assert request.headers["webhook-id"] == EVENT["id"]
    # The subscriber's own check, with the same library a receiver would use:
    verified = Webhook(SECRET).verify(request.content, dict(request.headers))
    assert verified == EVENT


def test_a_signature_made_with_another_secret_does_not_verify() -> None:
    seen: list[httpx.Request] = []
    channel(httpx.MockTransport(lambda r: seen.append(r) or httpx.Response(200))).send(EVENT)
    other = "whsec_" + base64.b64encode(b"another secret, also 32 bytes ok").decode()
    with pytest.raises(Exception, match="No matching signature"):
        Webhook(other).verify(seen[0].content, dict(seen[0].headers))


@pytest.mark.parametrize("status", [400, 404, 500, 503])
def test_any_answer_but_2xx_is_a_failure_to_retry(status: int) -> None:
    hook = channel(httpx.MockTransport(lambda _: httpx.Response(status)))
    with pytest.raises(DeliveryFailed, match=f"HTTP {status}"):
        hook.send(EVENT)


def test_no_answer_is_a_failure_to_retry() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(DeliveryFailed, match="ConnectError"):
        channel(httpx.MockTransport(refuse)).send(EVENT)


def test_the_secret_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MES_SECRET", raising=False)
    with pytest.raises(ConfigError, match="MES_SECRET is not set"):
        secret_of(SUBSCRIPTION)
    monkeypatch.setenv("MES_SECRET", SECRET)
    assert secret_of(SUBSCRIPTION) == SECRET


def test_a_subscriber_that_keeps_failing_gets_the_event_dead_lettered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = tmp_path / "plmsync.yaml"
    workspace.write_text(
        yaml.safe_dump(
            {
                "version": 1,
                "plants": {"US01": {"target": "mem"}},
                "targets": {"mem": {"kind": "memory"}},
            }
        ),
        encoding="utf-8",
    )
    attempts: list[str] = []

    def failing(request: httpx.Request) -> httpx.Response:
        attempts.append(request.headers["webhook-id"])
        return httpx.Response(500)

    with SqlStore(tmp_path / "state.sqlite", clock=lambda: START) as store:
        [job] = receive(store, "ECO-1", "US01").jobs
        store.claim("w1", START, LEASE)
        store.transition(job.id, JobState.SUCCEEDED, worker="w1")
        clock = ManualClock(START)
        relay = Relay(
            store,
            [channel(httpx.MockTransport(failing), max_attempts=3)],
            source="urn:test",
            clock=clock,
            backoff=RetryPolicy(base_delay=dt.timedelta(seconds=1)),
            rng=random.Random(0),
        )
        passes = RelayPass()
        for _ in range(4):
            passes += relay.relay_once()
            clock.advance(dt.timedelta(minutes=10))
        (dead,) = store.outbox_deliveries(status=DeliveryStatus.DEAD)

    (event,) = {*attempts}
    assert (len(attempts), passes) == (3, RelayPass(retrying=2, dead=1))
    assert (dead.channel, dead.attempts, dead.last_error) == (
        "webhook:mes",
        3,
        "webhook:mes answered HTTP 500",
    )
    monkeypatch.setattr(console, "width", 200)  # the table on one line per delivery
    listed = CliRunner().invoke(
        app,
        ["outbox", "list", "--status", "dead", "--config", str(workspace)],
    )
    assert listed.exit_code == 0, listed.output
    assert "webhook:mes" in listed.output and "HTTP 500" in listed.output
    shown = CliRunner().invoke(app, ["outbox", "show", str(dead.event), "--config", str(workspace)])
    assert json.loads(shown.output)["id"] == event
