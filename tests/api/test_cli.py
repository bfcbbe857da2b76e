"""`plmsync clients add|list|revoke` and `plmsync serve` (API, workers and scheduler in one
process, stopped cleanly by SIGTERM)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner

from plmsync.api.bootstrap import open_clients
from plmsync.api.clients import ClientRegistry
from plmsync.cli.app import app
from plmsync.config import load_config
from tests.api.conftest import ENV, RELEASE, workspace

runner = CliRunner()


def test_a_client_is_added_with_its_secret_shown_once_listed_and_revoked(
    tmp_path: Path,
) -> None:
    config = str(workspace(tmp_path))
    added = runner.invoke(
        app, ["clients", "add", "plm-prod", "--scopes", "changes:read,changes:write", "-c", config]
    )
    assert added.exit_code == 0, added.output
    secret = added.stdout.strip().splitlines()[-1]
    assert secret.startswith("pls_")
    listed = runner.invoke(app, ["clients", "list", "-c", config])
    assert "plm-prod" in listed.stdout and "changes:write changes:read" in listed.stdout
    assert secret not in listed.stdout
    store = open_clients(load_config(Path(config)))
    try:
        assert ClientRegistry(store).authenticate("plm-prod", secret) is not None
        assert runner.invoke(app, ["clients", "revoke", "plm-prod", "-c", config]).exit_code == 0
        assert ClientRegistry(store).authenticate("plm-prod", secret) is None
    finally:
        store.close()


def test_unknown_scopes_are_refused_with_the_known_ones(tmp_path: Path) -> None:
    config = str(workspace(tmp_path))
    result = runner.invoke(app, ["clients", "add", "x", "--scopes", "changes:delete", "-c", config])
    assert result.exit_code == 1
    assert "changes:delete" in result.stderr and "deadletters:manage" in result.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_ready(base: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(150):
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("plmsync serve did not become ready")


def test_serve_runs_api_and_workers_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    config = workspace(tmp_path, poll=0.1)
    added = runner.invoke(app, ["clients", "add", "ops", "--scopes", "admin", "-c", str(config)])
    secret = added.stdout.strip().splitlines()[-1]
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    command = [str(Path(sys.executable).with_name("plmsync")), "serve", "-c", str(config)]
    process = subprocess.Popen(
        [*command, "--port", str(port)],
        env={**os.environ, **ENV},
        stderr=subprocess.PIPE,
    )
    try:
        _wait_ready(base, process)
        token = httpx.post(
            f"{base}/oauth/token",
            data={"grant_type": "client_credentials", "client_id": "ops", "client_secret": secret},
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        assert httpx.post(f"{base}/v1/changes", content=RELEASE, headers=headers).status_code == 202
        _wait_synced(base, headers)  # the embedded workers ran it
    finally:
        process.send_signal(signal.SIGTERM)
        _, errors = process.communicate(timeout=30)
    # uvicorn ends a graceful stop by re-raising the signal it caught (exit status -SIGTERM)
    assert process.returncode in (0, -signal.SIGTERM), errors.decode()
    assert b"workers.stopped" in errors and b"Application shutdown complete" in errors
    assert b"Traceback" not in errors
    assert secret.encode() not in errors


def _wait_synced(base: str, headers: dict[str, str]) -> None:
    for _ in range(100):
        change = httpx.get(f"{base}/v1/changes/REL-0007", headers=headers).json()
        if {p["state"] for p in change["plants"]} == {"succeeded"}:
            return
        time.sleep(0.1)
    raise AssertionError(f"REL-0007 did not sync: {change}")
