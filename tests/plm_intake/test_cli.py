"""`plmsync poll` against a PLM served over real HTTP on localhost (the Onshape stand-in
behind a small server), and `plmsync watch --once` on a real folder."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from plmsync.cli.app import app
from plmsync.engine.model import JobState
from plmsync.persistence import SqlStore
from plmsync.testing.packages import load_sample, release_package
from plmsync.testing.plm_contract import T0
from tests.connectors.plm.onshape_server import CLIENT_ID, CLIENT_SECRET, COMPANY, OnshapeServer

ENV = {"TEST_PLM_CLIENT_ID": CLIENT_ID, "TEST_PLM_SECRET": CLIENT_SECRET}


@pytest.fixture
def plm() -> Iterator[OnshapeServer]:
    """The stand-in on 127.0.0.1, each HTTP request relayed to its handler."""
    stand_in = OnshapeServer()

    class Relay(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._relay()

        def do_POST(self) -> None:
            self._relay()

        def _relay(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            url = f"http://{self.headers['Host']}{self.path}"
            request = httpx.Request(self.command, url, headers=dict(self.headers), content=body)
            response = stand_in.handle(request)
            content = response.read()
            self.send_response(response.status_code)
            self.send_header("Content-Type", response.headers.get("Content-Type", "text/plain"))
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Relay)
    port = server.server_address[1]
    stand_in.base_url = f"http://127.0.0.1:{port}/api/v16"
    stand_in.token_url = f"http://127.0.0.1:{port}/oauth/token"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield stand_in
    server.shutdown()
    server.server_close()


def workspace(tmp_path: Path, plm: OnshapeServer | None = None) -> Path:
    source = (
        f"""sources:
  onshape:
    base_url: {plm.base_url}
    auth: {{kind: oauth2, token_url: "{plm.token_url}",
            client_id_env: TEST_PLM_CLIENT_ID, client_secret_env: TEST_PLM_SECRET}}
    path_params: {{company: {COMPANY}}}
    plants: [US01]
    page_size: 3
"""
        if plm
        else ""
    )
    config = tmp_path / "plmsync.yaml"
    config.write_text(
        "version: 1\n"
        "plants: {US01: {target: mem, region: NA}, DE01: {target: mem, region: EU}}\n"
        "targets: {mem: {kind: memory}}\n"
        "inbox: {directory: drop, settle_seconds: 0, plants: [US01]}\n" + source,
        encoding="utf-8",
    )
    return config


def test_poll_once_delivers_each_released_change_once(tmp_path: Path, plm: OnshapeServer) -> None:
    plm.release(release_package(), T0)
    config = workspace(tmp_path, plm)
    runner = CliRunner()
    first = runner.invoke(app, ["poll", "--config", str(config), "--once"], env=ENV)
    assert first.exit_code == 0, first.output
    assert "REL-0007: event rp0001 queued for US01" in first.output
    again = runner.invoke(app, ["poll", "--config", str(config), "--once"], env=ENV)
    assert again.exit_code == 0 and again.output == ""  # the cursor moved past it
    assert (tmp_path / "plm-cursors" / "onshape.cursor").is_file()
    with SqlStore(f"sqlite:///{tmp_path / 'state.sqlite'}") as store:
        assert [str(e.status) for e in store.events_for("REL-0007")] == ["accepted"]
        assert [j.plant for j in store.jobs(change_number="REL-0007")] == ["US01"]


def test_poll_without_the_secret_names_the_variable_not_a_value(
    tmp_path: Path, plm: OnshapeServer
) -> None:
    result = CliRunner().invoke(
        app,
        ["poll", "--config", str(workspace(tmp_path, plm)), "--once"],
        env={"TEST_PLM_CLIENT_ID": CLIENT_ID},
    )
    assert result.exit_code != 0
    assert "PLMSYNC-CONFIG" in result.output and "TEST_PLM_SECRET" in result.output


def test_poll_with_refused_credentials_fails_with_the_plm_auth_code(
    tmp_path: Path, plm: OnshapeServer
) -> None:
    env = {**ENV, "TEST_PLM_SECRET": "wrong"}
    result = CliRunner().invoke(
        app, ["poll", "--config", str(workspace(tmp_path, plm)), "--once"], env=env
    )
    assert result.exit_code != 0
    assert "PLMSYNC-PLM-AUTH" in result.output
    assert "wrong" not in result.output


def test_watch_once_takes_what_was_dropped(tmp_path: Path) -> None:
    config = workspace(tmp_path)
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "eco.json").write_bytes(load_sample("gp40_eco.json").model_dump_json().encode())
    (drop / "notes.txt").write_text("not a BOM\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["watch", "--config", str(config), "--once"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (drop / "processed").iterdir()) == ["1-eco.json"]
    rejected = sorted(p.name for p in (drop / "rejected").iterdir())
    assert rejected == ["2-notes.txt", "2-notes.txt.error.json"]
    assert "notes.txt: rejected" in result.output


def test_a_polled_change_is_synced_by_the_worker(tmp_path: Path, plm: OnshapeServer) -> None:
    plm.release(release_package(), T0)
    config = workspace(tmp_path, plm)
    runner = CliRunner()
    assert runner.invoke(app, ["poll", "--config", str(config), "--once"], env=ENV).exit_code == 0
    worked = runner.invoke(app, ["worker", "--config", str(config), "--exit-when-idle"])
    assert worked.exit_code == 0, worked.output
    with SqlStore(f"sqlite:///{tmp_path / 'state.sqlite'}") as store:
        (job,) = store.jobs(change_number="REL-0007")  # the source is for US01 only
        assert (job.plant, job.state) == ("US01", JobState.SUCCEEDED)


def test_the_worker_takes_dropped_files_when_the_inbox_is_configured(tmp_path: Path) -> None:
    config = workspace(tmp_path)  # inbox: {directory: drop, settle_seconds: 0, plants: [US01]}
    drop = tmp_path / "drop"
    drop.mkdir()
    release = load_sample("gp40_release.json")  # for US01 and DE01
    (drop / "rel.json").write_bytes(release.model_dump_json().encode())
    worked = CliRunner().invoke(app, ["worker", "--config", str(config), "--exit-when-idle"])
    assert worked.exit_code == 0, worked.output
    assert [p.name for p in (drop / "processed").iterdir()] == ["1-rel.json"]
    with SqlStore(f"sqlite:///{tmp_path / 'state.sqlite'}") as store:
        jobs = store.jobs(change_number="REL-0007")
        assert sorted((j.plant, j.state) for j in jobs) == [
            ("DE01", JobState.SUCCEEDED),
            ("US01", JobState.SUCCEEDED),
        ]
