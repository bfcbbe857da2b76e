"""`plmsync worker` relays the outbox as a chore when `outbound.relay_every_seconds` is set:
the events of the jobs it ran are on the broker when it stops."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner

from plmsync.bootstrap import build_engine
from plmsync.cli.app import app
from plmsync.config import BrokerConfig, load_config
from plmsync.domain.package import ChangePackage
from tests.broker.rabbit import channel_to, drain, write_workspace

pytestmark = pytest.mark.rabbitmq

RELEASE = resources.files("plmsync.samples").joinpath("gp40_release.json").read_bytes()


def test_the_worker_publishes_the_events_of_the_jobs_it_ran(
    broker_config: BrokerConfig, tmp_path: Path
) -> None:
    listener = f"{broker_config.events_exchange}.worker-listener"
    with channel_to(broker_config) as channel:
        channel.exchange_declare(broker_config.events_exchange, exchange_type="topic", durable=True)
        channel.queue_declare(listener, durable=True, arguments={"x-queue-type": "quorum"})
        channel.queue_bind(listener, broker_config.events_exchange, routing_key="change.*")
    try:
        config = write_workspace(tmp_path, broker_config, outbound={"relay_every_seconds": 0.01})
        engine = build_engine(load_config(config))
        try:
            engine.submit(RELEASE)
        finally:
            engine.close()
        result = CliRunner().invoke(app, ["worker", "--config", str(config), "--exit-when-idle"])
        assert result.exit_code == 0, result.output
        events = [json.loads(body) for _, body in drain(broker_config, listener)]
    finally:
        with channel_to(broker_config) as channel:
            channel.queue_delete(listener)

    plants = [p.plant for p in ChangePackage.model_validate_json(RELEASE).change.plants]
    # One change.synced per plant the release names, each job having succeeded.
    assert sorted(e["subject"] for e in events) == sorted(
        f"changes/REL-0007/plants/{plant}" for plant in plants
    )
    assert {e["type"] for e in events} == {"change.synced"}
