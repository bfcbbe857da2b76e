"""The dashboard in a real browser: Debian's Chromium (/usr/bin/chromium, installed by
`make test`; never a browser download) driven by Playwright, against `plmsync serve` running
as its own process on the demo workspace (`plmsync demo`: real Tryton databases).

Without Chromium the tests skip with the reason — except where PLMSYNC_REQUIRE_SERVICES=1
(CI), where they fail. Screenshots go to $PLMSYNC_ARTIFACTS (default test-artifacts/)."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from rich.console import Console

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("PLMSYNC_ARTIFACTS", REPO / "test-artifacts")) / "dashboard"
USER = "qa-planner"
SCOPES = ("changes:read", "reviews:approve", "deadletters:manage")


@dataclass(frozen=True)
class Dashboard:
    url: str
    user: str
    secret: str
    workspace: Path
    shots: Path


def _chromium_or_skip() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing: `make test` installs Debian's chromium package"
    if os.environ.get("PLMSYNC_REQUIRE_SERVICES") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_ready(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"plmsync serve exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"plmsync serve did not answer: {log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    _chromium_or_skip()
    from plmsync.api.bootstrap import open_clients
    from plmsync.api.clients import ClientRegistry
    from plmsync.cli.demo import run_demo
    from plmsync.config import load_config

    workspace = tmp_path_factory.mktemp("browser") / "demo"
    with open(os.devnull, "w") as quiet:
        run_demo(workspace, Console(file=quiet, width=120))
    config_path = workspace / "plmsync.yaml"
    clients = open_clients(load_config(config_path))
    _, secret = ClientRegistry(clients).add(USER, SCOPES, dt.datetime.now(dt.UTC))
    clients.close()
    port = _free_port()
    log = workspace / "serve.log"
    plmsync = Path(sys.executable).parent / "plmsync"  # the venv's console script
    command = [str(plmsync), "serve", "-c", str(config_path)]
    with log.open("wb") as out:
        server = subprocess.Popen([*command, "--port", str(port)], stdout=out, stderr=out)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, server, log)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        yield Dashboard(f"{url}/ui", USER, secret, workspace, ARTIFACTS)
    finally:
        server.terminate()
        server.wait(timeout=60)
