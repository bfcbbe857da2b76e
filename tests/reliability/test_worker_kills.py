"""Issue #3 acceptance: SIGKILL the worker process at random points of a two-plant change of
at least 2,000 BOM lines, at least 20 times. Every time, after a worker is allowed to finish,
the Tryton databases must equal a clean run's, hold no duplicate record, and the jobs must end
succeeded. Four series of at least five kills each: at least 20 kills in all.

Each trial submits the change on fresh plant databases, then starts `plmsync worker` as a real
process and kills it with SIGKILL at a random moment of its expected run time, up to
KILLS_PER_TRIAL times, before letting one worker finish. Leases are short (1 s) so that the next
worker reclaims the killed one's job quickly.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from plmsync import generator
from plmsync.bootstrap import build_engine
from plmsync.config import load_config
from plmsync.engine.model import JobState
from plmsync.workspace import PlantSpec, init_workspace
from tests.reliability.erp_snapshot import Snapshot, snapshot

pytestmark = pytest.mark.integration

PLANTS = (PlantSpec("US01", "NA"), PlantSpec("DE01", "EU"))
# Few items, many lines: the BOM volume the issue asks for without minutes of item creation.
SHAPE = generator.Shape(items=160, lines=2_000, plants=(("US01", "NA"), ("DE01", "EU")), seed=3)
# 4 independent series of at least 5 kills (>= 20 in all), so pytest-xdist can spread them.
SERIES = (11, 23, 37, 53)
KILLS_PER_SERIES = 5
KILLS_PER_TRIAL = 5
ENGINE = {"lease_seconds": 1.0, "heartbeat_seconds": 0.3, "poll_seconds": 0.1,
          "backoff_base_seconds": 0.1, "backoff_max_seconds": 0.5, "lock_wait_seconds": 0.1}
PLMSYNC = str(Path(sys.executable).with_name("plmsync"))


def make_workspace(directory: Path) -> Path:
    config = init_workspace(directory, PLANTS)
    document = yaml.safe_load(config.read_text(encoding="utf-8"))
    document["engine"] = ENGINE
    config.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return config


def submit(config: Path, raw: bytes) -> list[int]:
    engine = build_engine(load_config(config))
    try:
        return [job.id for job in engine.submit(raw).jobs]
    finally:
        engine.close()


def job_states(config: Path, jobs: list[int]) -> set[JobState]:
    engine = build_engine(load_config(config))
    try:
        return {engine.store.job(job).state for job in jobs}
    finally:
        engine.close()


def start_worker(config: Path) -> subprocess.Popen[bytes]:
    log = config.parent / "worker.log"
    with log.open("ab") as output:  # the child keeps its own descriptor
        return subprocess.Popen(
            [PLMSYNC, "worker", "--config", str(config), "--exit-when-idle"],
            stdout=subprocess.DEVNULL,
            stderr=output,
            env={**os.environ, "PLMSYNC_DEBUG": "1"},
        )


def finish(config: Path) -> None:
    worker = start_worker(config)
    worker.wait(timeout=300)
    log = (config.parent / "worker.log").read_text(errors="replace")
    assert worker.returncode == 0, log[-4000:]


def snapshots(directory: Path) -> dict[str, Snapshot]:
    return {p.code: snapshot(directory / "erp" / f"{p.code}.sqlite") for p in PLANTS}


@pytest.fixture(scope="module")
def package_raw() -> bytes:
    return generator.release(SHAPE).model_dump_json().encode()


@pytest.fixture(scope="module")
def clean_run(
    tmp_path_factory: pytest.TempPathFactory, package_raw: bytes
) -> tuple[dict[str, Snapshot], float]:
    """The reference: the same change run by one worker that nobody kills."""
    directory = tmp_path_factory.mktemp("clean") / "ws"
    config = make_workspace(directory)
    jobs = submit(config, package_raw)
    started = time.perf_counter()
    finish(config)
    seconds = time.perf_counter() - started
    assert job_states(config, jobs) == {JobState.SUCCEEDED}
    return snapshots(directory), seconds


def test_the_reference_change_is_large_enough(package_raw: bytes) -> None:
    package = generator.release(SHAPE)
    assert sum(len(b.lines) for b in package.boms) >= 2_000
    assert len(package.change.plants) == 2


@pytest.mark.parametrize("seed", SERIES)
def test_sigkill_at_random_points_never_loses_or_doubles_anything(
    tmp_path: Path, package_raw: bytes, clean_run: tuple[dict[str, Snapshot], float], seed: int
) -> None:
    reference, clean_seconds = clean_run
    assert not any(s.duplicates for s in reference.values())
    rng = random.Random(seed)
    kills, trial = 0, 0
    while kills < KILLS_PER_SERIES:
        trial += 1
        directory = tmp_path / f"trial-{trial}" / "ws"
        config = make_workspace(directory)
        jobs = submit(config, package_raw)
        for _ in range(KILLS_PER_TRIAL):
            worker = start_worker(config)
            try:
                # Before the clean run's end, so most kills land on a live worker even when
                # the machine was slower while the reference was measured.
                worker.wait(timeout=rng.uniform(0.2, 0.8 * clean_seconds))
            except subprocess.TimeoutExpired:
                worker.send_signal(signal.SIGKILL)
                worker.wait()
                kills += 1
            else:
                break  # finished before the kill: the change is done
        finish(config)
        after = snapshots(directory)
        assert job_states(config, jobs) == {JobState.SUCCEEDED}, f"trial {trial}"
        for plant, state in after.items():
            assert state.duplicates == {}, f"trial {trial}, {plant}: duplicates {state.duplicates}"
            assert state == reference[plant], f"trial {trial}, {plant} differs from a clean run"
    print(
        f"{kills} SIGKILLs over {trial} trials (clean run {clean_seconds:.1f} s); "
        "every trial converged to the clean state with no duplicate"
    )
