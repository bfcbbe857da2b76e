"""The load scenario's server: a fresh workspace, `plmsync serve` as a subprocess on a free
port, and an OAuth client talking to it through the public API only."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from plmsync.api.bootstrap import open_clients
from plmsync.api.clients import ClientRegistry
from plmsync.config import load_config
from plmsync.domain.package import ChangePackage

IN_FLIGHT = frozenset({"queued", "retrying", "running"})
CLIENT = "load-generator"
# Listing every change costs the server CPU its workers would use: look now and then.
SETTLE_POLL = 1.0


@dataclass(frozen=True)
class LoadWorkspace:
    config: Path
    client_id: str
    client_secret: str

    @property
    def secret_file(self) -> Path:
        """The client's secret, for signing in to the dashboard of a kept run (mode 0600)."""
        return self.config.parent / "client-secret.txt"

    @classmethod
    def create(
        cls, directory: Path, plants: tuple[tuple[str, str], ...], threads: int
    ) -> LoadWorkspace:
        config = directory / "plmsync.yaml"
        config.write_text(yaml.safe_dump(workspace_settings(plants, threads)), encoding="utf-8")
        store = open_clients(load_config(config))
        try:
            _, secret = ClientRegistry(store).add(CLIENT, ["admin"], dt.datetime.now(dt.UTC))
        finally:
            store.close()
        workspace = cls(config, CLIENT, secret)
        workspace.secret_file.touch(mode=0o600)
        workspace.secret_file.write_text(secret + "\n", encoding="utf-8")
        return workspace


def workspace_settings(plants: tuple[tuple[str, str], ...], threads: int) -> dict[str, Any]:
    return {
        "version": 1,
        "plants": {code: {"target": code, "region": region} for code, region in plants},
        "targets": {code: {"kind": "memory"} for code, _ in plants},
        "engine": {
            "database": "state.sqlite",
            "worker_threads": threads,
            # An idle worker looks for work this often, and a change waiting for an earlier
            # one looks again this soon: the defaults (1 s) would make the run measure them.
            "poll_seconds": 0.05,
            "lock_wait_seconds": 0.05,
        },
        # One client sends the whole stream and polls for its end: not a client to throttle.
        "api": {"rate_limit_per_second": 10_000, "rate_limit_burst": 10_000},
    }


class Server:
    def __init__(self, process: subprocess.Popen[bytes], base_url: str, log: Path):
        self.process = process
        self.http = httpx.Client(base_url=base_url, timeout=60)
        self.log = log

    @classmethod
    @contextmanager
    def start(cls, workspace: LoadWorkspace) -> Iterator[Server]:
        port = _free_port()
        log = workspace.config.parent / "serve.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [_plmsync(), "serve", "--config", str(workspace.config), "--port", str(port)],
                stdout=sink,
                stderr=subprocess.STDOUT,
                cwd=workspace.config.parent,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        server = cls(process, f"http://127.0.0.1:{port}", log)
        try:
            server._wait_healthy()
            server._sign_in(workspace)
            yield server
        finally:
            server.stop()

    def submit(self, package: ChangePackage) -> None:
        response = self.http.post(
            "/v1/changes",
            content=package.model_dump_json().encode(),
            headers={"Content-Type": "application/json"},
        )
        if response.status_code != 202:
            raise RuntimeError(f"{package.change.number}: {response.status_code} {response.text}")

    def changes(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        while True:
            page = self.http.get("/v1/changes", params={"limit": 1000, "offset": len(found)})
            page.raise_for_status()
            body = page.json()
            found += body["changes"]
            if len(found) >= body["total"] or not body["changes"]:
                return found

    def metrics(self) -> str:
        response = self.http.get("/metrics")
        response.raise_for_status()
        return response.text

    def wait_settled(self, timeout: float) -> None:
        """Until no job of any change is queued, running or retrying."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            states = {p["state"] for c in self.changes() for p in c["plants"]}
            if not states & IN_FLIGHT:
                return
            time.sleep(SETTLE_POLL)
        raise TimeoutError(f"jobs still in flight after {timeout:.0f} s (see {self.log})")

    def stop(self) -> None:
        self.http.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _wait_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"plmsync serve exited: {self.log.read_text()[-2000:]}")
            try:
                if self.http.get("/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"plmsync serve did not answer within {timeout:.0f} s")

    def _sign_in(self, workspace: LoadWorkspace) -> None:
        response = self.http.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": workspace.client_id,
                "client_secret": workspace.client_secret,
            },
        )
        response.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {response.json()['access_token']}"


def _plmsync() -> str:
    """The `plmsync` command of the running interpreter's environment."""
    beside = Path(sys.executable).with_name("plmsync")
    return str(beside) if beside.exists() else "plmsync"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
