"""`POST /v1/events` against Standard Webhooks vectors: signed with a configured secret (either
of the two, for rotation) and fresh → 202 once stored; a bad signature, a stale or future
timestamp, missing headers → 401 and nothing stored; a replayed webhook-id is not processed
twice."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from standardwebhooks import Webhook

from plmsync.api.app import create_app
from plmsync.api.services import ApiServices
from plmsync.api.webhooks import webhook_secrets
from plmsync.domain.errors import ConfigError
from plmsync.engine.service import Engine
from tests.api.conftest import ECO, NEW_SECRET, OLD_SECRET, RELEASE, services_for


def signed(
    body: bytes,
    *,
    secret: str = NEW_SECRET,
    webhook_id: str | None = None,
    skew: dt.timedelta = dt.timedelta(0),
) -> dict[str, str]:
    webhook_id = webhook_id or f"msg_{uuid.uuid4().hex}"
    at = dt.datetime.now(dt.UTC) + skew
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(webhook_id, at, body),
        "content-type": "application/json",
    }


def test_a_signed_event_is_accepted_and_stored(client: TestClient, services: ApiServices) -> None:
    response = client.post("/v1/events", content=ECO, headers=signed(ECO))
    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["change"], body["duplicate"]) == ("accepted", "ECO-0012", False)
    assert services.engine.store.raw_payload(body["event"]) == ECO
    assert {j["plant"] for j in body["jobs"]} == {"US01", "DE01"}


def test_the_previous_secret_still_verifies_while_rotating(client: TestClient) -> None:
    response = client.post("/v1/events", content=ECO, headers=signed(ECO, secret=OLD_SECRET))
    assert response.status_code == 202


# Headers are signed when the test runs, not when it is collected: a timestamp taken at
# collection drifts into the tolerance window on a long run.
@pytest.mark.parametrize(
    ("make_headers", "code"),
    [
        pytest.param(
            lambda: signed(ECO, secret="whsec_" + "A" * 43),
            "PLMSYNC-WEBHOOK-SIGNATURE",
            id="wrong-secret",
        ),
        pytest.param(lambda: signed(RELEASE), "PLMSYNC-WEBHOOK-SIGNATURE", id="signed-other-body"),
        pytest.param(
            lambda: signed(ECO, skew=dt.timedelta(minutes=-6)),
            "PLMSYNC-WEBHOOK-TIMESTAMP",
            id="stale",
        ),
        pytest.param(
            lambda: signed(ECO, skew=dt.timedelta(minutes=6)),
            "PLMSYNC-WEBHOOK-TIMESTAMP",
            id="future",
        ),
        pytest.param(
            lambda: {"content-type": "application/json"}, "PLMSYNC-WEBHOOK-SIGNATURE", id="unsigned"
        ),
    ],
)
def test_unverifiable_events_are_refused_and_not_stored(
    client: TestClient,
    services: ApiServices,
    make_headers: Callable[[], dict[str, str]],
    code: str,
) -> None:
    response = client.post("/v1/events", content=ECO, headers=make_headers())
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code
    assert services.engine.store.events_for("ECO-0012") == []


def test_a_replayed_webhook_id_is_not_processed_twice(
    client: TestClient, services: ApiServices
) -> None:
    headers = signed(ECO, webhook_id="msg_replayed")
    first = client.post("/v1/events", content=ECO, headers=headers)
    again = client.post("/v1/events", content=ECO, headers=headers)
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["duplicate"] is True
    assert again.json()["event"] == first.json()["event"]
    assert len(services.engine.store.events_for("ECO-0012")) == 1  # not even a duplicate row
    assert len(services.engine.store.jobs(change_number="ECO-0012")) == 2


def test_an_unreadable_package_is_stored_as_rejected_with_a_dead_letter(
    client: TestClient, services: ApiServices
) -> None:
    body = b'{"source": {"event_id": "evt-broken"}, "change": {"number": "ECO-9"}}'
    response = client.post("/v1/events", content=body, headers=signed(body))
    assert response.status_code == 202
    assert response.json()["status"] == "rejected"
    (letter,) = services.engine.dead_letters()
    assert letter.job is None and letter.error_code == "PLMSYNC-PACKAGE-INVALID"


class GatedStore:
    """The real store, whose `receive` waits at a gate: a test can look at the HTTP exchange
    while the payload is being stored."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.reached = threading.Event()
        self.release = threading.Event()

    def receive(self, *args: Any, **kwargs: Any) -> Any:
        self.reached.set()
        assert self.release.wait(10)
        return self.inner.receive(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_202_comes_only_after_the_event_is_stored(services: ApiServices) -> None:
    real = services.engine
    gated = GatedStore(real.store)
    services.engine = Engine(gated, real.pipeline, real.settings, real.clock)  # type: ignore[arg-type]
    answers: list[int] = []
    with TestClient(create_app(services)) as client:
        sender = threading.Thread(
            target=lambda: answers.append(
                client.post("/v1/events", content=ECO, headers=signed(ECO)).status_code
            )
        )
        sender.start()
        assert gated.reached.wait(10)
        time.sleep(0.2)
        assert answers == []  # storing has not finished: no answer yet
        assert real.store.events_for("ECO-0012") == []
        gated.release.set()
        sender.join(10)
    assert answers == [202]
    assert len(real.store.events_for("ECO-0012")) == 1


class FailingStore(GatedStore):
    def receive(self, *args: Any, **kwargs: Any) -> Any:
        raise OSError("disk full")


def test_no_202_when_the_event_could_not_be_stored(services: ApiServices) -> None:
    real = services.engine
    services.engine = Engine(FailingStore(real.store), real.pipeline, real.settings, real.clock)  # type: ignore[arg-type]
    with TestClient(create_app(services), raise_server_exceptions=False) as client:
        response = client.post("/v1/events", content=ECO, headers=signed(ECO))
    assert response.status_code == 500
    assert response.json()["code"] == "PLMSYNC-INTERNAL"
    assert "disk full" not in response.text


def test_without_configured_secrets_every_event_is_refused(tmp_path: Any) -> None:
    services = services_for(tmp_path, env={}, webhook_secrets_env=[])
    with TestClient(create_app(services)) as client:
        response = client.post("/v1/events", content=ECO, headers=signed(ECO))
    assert (response.status_code, response.json()["code"]) == (
        401,
        "PLMSYNC-WEBHOOK-NOT-CONFIGURED",
    )
    services.engine.close()


def test_a_missing_or_malformed_secret_is_named_but_never_shown() -> None:
    with pytest.raises(ConfigError, match="PLM_HOOK_NEW") as missing:
        webhook_secrets(["PLM_HOOK_NEW"], {})
    with pytest.raises(ConfigError, match="PLM_HOOK_NEW") as malformed:
        webhook_secrets(["PLM_HOOK_NEW"], {"PLM_HOOK_NEW": "not base64 at all!"})
    assert "not base64" not in str(malformed.value) and "whsec" not in str(missing.value)
