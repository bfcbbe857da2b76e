"""Webhook → posted: what plmsync adds to a 20-line ECO beyond the ERP's own write time.

One plant on a fresh embedded Tryton database, the release synced first (not timed). Each
run sends the next revision of the same two 10-line assemblies (20 BOM lines) as a signed
Standard Webhooks `POST /v1/events` to the API application, then one worker claims and
syncs it (validate, read, plan, lock, step records, ERP write, audit). The overhead of a run
is its wall time minus the ERP's own write time, read from the service's
`plmsync_erp_call_seconds` histogram (apply and stage). A served worker would also wait up
to `engine.poll_seconds` before claiming: that idle wait is configuration, and is left out.

    python -m bench.webhook_bench [--runs 20]
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import statistics
import string
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from fastapi.testclient import TestClient
from standardwebhooks import Webhook

from bench.load_report import parse
from bench.workspaces import workspace
from plmsync import generator
from plmsync.api.app import create_app
from plmsync.api.bootstrap import build_services, close_services
from plmsync.api.services import ApiServices
from plmsync.config import ApiConfig
from plmsync.domain.package import ChangePackage

app = typer.Typer(add_completion=False)

PLANTS = (("US01", "NA"),)
# Two assemblies of 10 lines each (depth 1): every ECO revises both, 20 BOM lines in all.
SHAPE = generator.Shape(items=60, lines=20, depth=1, plants=PLANTS, seed=4)
SECRET_ENV = "PLMSYNC_BENCH_WEBHOOK_SECRET"
GOAL = "≤ 200 ms p50"


@dataclass(frozen=True)
class Run:
    wall: float
    erp_writes: float

    @property
    def overhead(self) -> float:
        return self.wall - self.erp_writes


def revision(package: ChangePackage, n: int) -> ChangePackage:
    """The generator's ECO (always rev B) relabelled as the n-th revision after A."""
    before, after = string.ascii_uppercase[n - 1], string.ascii_uppercase[n]

    def at(records: Any) -> tuple[Any, ...]:
        return tuple(r.model_copy(update={"revision": after}) for r in records)

    affected = tuple(
        a.model_copy(update={"from_revision": before, "to_revision": after})
        for a in package.change.affected_items
    )
    return package.model_copy(
        update={
            "change": package.change.model_copy(update={"affected_items": affected}),
            "items": at(package.items),
            "boms": at(package.boms),
            "routings": at(package.routings),
            "documents": at(package.documents),
        }
    )


def signed(body: bytes, secret: str) -> dict[str, str]:
    message = f"msg_{uuid.uuid4().hex}"
    now = dt.datetime.now(dt.UTC)
    return {
        "webhook-id": message,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(message, now, body),
        "content-type": "application/json",
    }


def erp_write_seconds(services: ApiServices) -> float:
    samples = parse(services.metrics.exposition().decode())
    return sum(
        value
        for (name, labels), value in samples.items()
        if name == "plmsync_erp_call_seconds_sum" and dict(labels)["operation"] in WRITES
    )


WRITES = ("apply", "stage")


def measure(runs: int, work: Path) -> list[Run]:
    if runs > 24:
        raise typer.BadParameter("at most 24 runs (one revision letter each)", param_hint="--runs")
    secret = "whsec_" + base64.b64encode(os.urandom(24)).decode()
    config = workspace(work, SHAPE).model_copy(
        update={"api": ApiConfig(webhook_secrets_env=[SECRET_ENV])}
    )
    services = build_services(config, env={**os.environ, SECRET_ENV: secret})
    release = generator.release(SHAPE)
    try:
        services.engine.submit(release.model_dump_json().encode())
        services.engine.run_until_idle(threads=1)
        client = TestClient(create_app(services))
        return [_one_run(client, services, release, n, secret) for n in range(1, runs + 1)]
    finally:
        close_services(services)


def _one_run(
    client: TestClient, services: ApiServices, release: ChangePackage, n: int, secret: str
) -> Run:
    eco = revision(generator.eco(release, fraction=1.0, seed=n, number=f"ECO-W{n:02d}"), n)
    assert sum(len(b.lines) for b in eco.boms) == 20
    body = eco.model_dump_json().encode()
    writes_before = erp_write_seconds(services)
    started = time.perf_counter()
    response = client.post("/v1/events", content=body, headers=signed(body, secret))
    if response.status_code != 202:
        raise SystemExit(f"{eco.change.number}: {response.status_code} {response.text}")
    services.engine.run_until_idle(threads=1)
    wall = time.perf_counter() - started
    states = {str(row.state) for row in services.engine.status(eco.change.number)}
    if states != {"succeeded"}:
        raise SystemExit(f"{eco.change.number} did not post: {states}")
    return Run(wall, erp_write_seconds(services) - writes_before)


def markdown(results: list[Run], command: str) -> str:
    overhead = [r.overhead for r in results]
    erp = [r.erp_writes for r in results]
    wall = [r.wall for r in results]
    return (
        "\n".join(
            [
                f"Webhook → posted, 20-line ECO, {len(results)} runs; `{command}`; goal {GOAL}.",
                "",
                "| Measure | p50 (ms) | min (ms) | max (ms) |",
                "|---|---|---|---|",
                _row("plmsync overhead (wall − ERP writes)", overhead),
                _row("ERP's own write time", erp),
                _row("Wall time, webhook sent → posted", wall),
            ]
        )
        + "\n"
    )


def _row(label: str, seconds: list[float]) -> str:
    p50 = statistics.median(seconds) * 1000
    return f"| {label} | {p50:.0f} | {min(seconds) * 1000:.0f} | {max(seconds) * 1000:.0f} |"


@app.command()
def main(runs: Annotated[int, typer.Option(min=1, help="ECOs sent, one at a time.")] = 20) -> None:
    with tempfile.TemporaryDirectory(prefix="plmsync-webhook-") as work:
        results = measure(runs, Path(work))
    typer.echo(markdown(results, f"python -m bench.webhook_bench --runs {runs}"))


if __name__ == "__main__":
    app()
