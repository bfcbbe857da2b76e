"""The engine's commands on a memory-ERP workspace (fast): what an operator types and reads.

The in-memory ERP lives as long as one command, so these tests are about the engine's state
and the command line; tests/e2e/test_engine_acceptance.py runs the same commands on Tryton.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner, Result

from plmsync.cli.app import app
from plmsync.testing.packages import release_package

runner = CliRunner()
WORKSPACE = """version: 1
plants: {US01: {target: us, region: NA}, DE01: {target: de, region: EU}}
targets: {us: {kind: memory}, de: {kind: memory}}
engine: {lease_seconds: 2, heartbeat_seconds: 0.5, poll_seconds: 0.05, backoff_base_seconds: 0.05}
"""


def _workspace(tmp_path: Path) -> Path:
    config = tmp_path / "plmsync.yaml"
    config.write_text(WORKSPACE, encoding="utf-8")
    return config


def cli(*args: str | Path) -> Result:
    return runner.invoke(app, [str(a) for a in args], terminal_width=200)


def flat(text: str) -> str:
    """The output with line wrapping undone (Rich wraps at the console's width)."""
    return " ".join(text.split())


def _release(tmp_path: Path, name: str = "rel.json", **source: str) -> Path:
    package = release_package()
    if source:
        package = package.model_copy(update={"source": package.source.model_copy(update=source)})
    path = tmp_path / name
    path.write_text(package.model_dump_json(), encoding="utf-8")
    return path


def test_sync_reports_every_plant_and_status_agrees(tmp_path: Path) -> None:
    config = _workspace(tmp_path)
    synced = cli("sync", _release(tmp_path), "-c", config)
    assert synced.exit_code == 0, synced.output
    assert "Result of REL-0007" in flat(synced.output)
    assert synced.output.count("succeeded") == 2
    status = cli("status", "-c", config)
    assert status.output.count("12/12") == 2
    assert "No jobs for NOPE yet" in flat(cli("status", "NOPE", "-c", config).output)


def test_a_repeated_sync_is_a_duplicate_and_a_reused_event_id_is_flagged(tmp_path: Path) -> None:
    config = _workspace(tmp_path)
    cli("sync", _release(tmp_path), "-c", config)
    again = cli("sync", _release(tmp_path), "-c", config)
    assert again.exit_code == 0
    assert "recorded as a duplicate" in flat(again.output)
    assert "content differs" not in flat(again.output)
    edited = json.loads(_release(tmp_path).read_text())
    edited["change"]["title"] = "Same event id, other content"
    reused = tmp_path / "reused.json"
    reused.write_text(json.dumps(edited), encoding="utf-8")
    flagged = cli("sync", reused, "-c", config)
    assert "content differs" in flat(flagged.output)


def test_an_unreadable_file_is_refused_at_once_and_nothing_is_stored(tmp_path: Path) -> None:
    config = _workspace(tmp_path)
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    result = cli("sync", broken, "-c", config)
    assert result.exit_code == 1
    assert "PLMSYNC-PACKAGE-INVALID" in flat(result.stderr)
    assert "0 dead letter(s)" in flat(cli("dead", "list", "-c", config).output)


def test_a_submitted_bad_payload_is_a_dead_letter_to_show_replay_or_discard(
    tmp_path: Path,
) -> None:
    config = _workspace(tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text('{"source": {"event_id": "evt-0001"}, "colour": "red"}', encoding="utf-8")
    assert "rejected (PLMSYNC-PACKAGE-INVALID)" in flat(cli("submit", bad, "-c", config).output)
    listed = cli("dead", "list", "-c", config)
    assert "PLMSYNC-PACKAGE-INVALID" in flat(listed.output)
    shown = cli("dead", "show", "1", "-c", config)
    assert "colour: unknown field" in flat(shown.output) and '"colour": "red"' in flat(shown.output)
    refused = cli("dead", "replay", "1", "-c", config)
    assert refused.exit_code == 1 and "PLMSYNC-REPLAY-REFUSED" in flat(refused.stderr)
    # the same event id, valid now, through `sync`: it is a duplicate of the refused one
    dup = cli("sync", _release(tmp_path), "-c", config)
    assert dup.exit_code == 1 and "replay it with a corrected payload" in flat(dup.output)
    replayed = cli("dead", "replay", "1", "--payload", _release(tmp_path), "--run", "-c", config)
    assert replayed.exit_code == 0, replayed.output
    assert "evt-0001#replay-1" in flat(replayed.output)
    assert "edited payload" in flat(cli("dead", "show", "1", "-c", config).output).lower()
    assert "Edited payload (replayed)" in flat(cli("dead", "show", "1", "-c", config).output)
    trail = cli("audit", "REL-0007", "-c", config)
    assert "deadletter.edited" in flat(trail.output)


def test_discard(tmp_path: Path) -> None:
    config = _workspace(tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text("[]", encoding="utf-8")
    cli("submit", bad, "-c", config)
    discarded = cli("dead", "discard", "1", "--by", "qa", "-c", config)
    assert "discarded by qa" in flat(discarded.output)
    assert "0 dead letter(s)" in flat(cli("dead", "list", "-c", config).output)
    assert "1 dead letter(s)" in flat(cli("dead", "list", "--all", "-c", config).output)


def test_audit_verify_and_unknown_change(tmp_path: Path) -> None:
    config = _workspace(tmp_path)
    cli("sync", _release(tmp_path), "-c", config)
    assert "intact" in flat(cli("audit", "verify", "-c", config).output)
    unknown = cli("audit", "NOPE", "-c", config)
    assert unknown.exit_code == 1 and "no audit entries for change NOPE" in flat(unknown.stderr)


def test_activate_needs_a_date(tmp_path: Path) -> None:
    config = _workspace(tmp_path)
    bad = cli("activate", "--as-of", "next tuesday", "-c", config)
    assert bad.exit_code == 1 and "YYYY-MM-DD" in flat(bad.stderr)
    assert "Nothing staged" in flat(cli("activate", "--as-of", "2030-01-01", "-c", config).output)


def test_worker_stops_gracefully_on_sigterm(tmp_path: Path) -> None:
    config = _workspace(tmp_path)
    worker = subprocess.Popen(
        [str(Path(sys.executable).parent / "plmsync"), "worker", "-c", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stdout is not None
        started = worker.stdout.readline()  # printed once the signal handlers are in place
        assert "Worker started" in started
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=20)
    finally:
        worker.kill()
        worker.communicate()
    assert worker.returncode == 0, err
    assert "SIGTERM: finishing the current job" in flat(out)
    assert "Worker stopped after 0 job run(s)" in flat(out)
