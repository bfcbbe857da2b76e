"""`plmsync worker --concurrency K` and what it relies on: NOTIFY in the enqueuing
transaction, LISTEN wake-ups, a worker's session limits, and graceful shutdown (the job in
hand finishes; a job claimed while stopping is released without counting an attempt)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from plmsync.bootstrap import build_engine
from plmsync.config import load_config
from plmsync.engine.model import JobState
from plmsync.engine.service import Engine
from plmsync.engine.worker import idle
from plmsync.generator import Shape
from plmsync.persistence import SqlStore
from plmsync.persistence.notify import JobListener
from plmsync.persistence.sessions import SessionLimits, limited_url
from plmsync.persistence.tables import events, jobs
from plmsync.ports.store import NewJob
from plmsync.testing.file_erp import FileErp
from plmsync.testing.packages import release_package
from tests.reliability.cluster import Cluster, ClusterEngine, deliver, workspace
from tests.reliability.conftest import LIMITS
from tests.reliability.workload import history

PLMSYNC = str(Path(sys.executable).with_name("plmsync"))
RELEASE = release_package().model_dump_json().encode()
# A release for plant US01 alone, for a workspace that has no other plant.
US01_ONLY = history(Shape(items=90, lines=120, depth=2, plants=(("US01", "NA"),)), 1)[0]


# --- session limits --------------------------------------------------------------------------


def test_limited_url_adds_the_limits_and_keeps_the_operators_own() -> None:
    given = "postgresql://u@db/plmsync?options=-c%20lock_timeout%3D9s"

    url = sa.make_url(limited_url(given, SessionLimits(lock_timeout_ms=1, statement_timeout_ms=2)))

    options = str(url.query["options"])
    assert "-c lock_timeout=9s" in options and "lock_timeout=1" not in options
    assert "-c statement_timeout=2" in options
    assert "-c idle_in_transaction_session_timeout=30000" in options
    assert url.query["application_name"] == "plmsync-worker"
    assert limited_url("state/plmsync.sqlite") == "state/plmsync.sqlite"  # SQLite: unchanged


@pytest.mark.postgresql
def test_a_worker_session_runs_with_the_limits(postgres_url: str) -> None:
    with SqlStore(limited_url(postgres_url, LIMITS)) as store, store.engine.connect() as db:
        shown = {
            name: db.exec_driver_sql(f"SHOW {name}").scalar()
            for name in ("lock_timeout", "statement_timeout", "application_name")
        }
    assert shown == {
        "lock_timeout": "2s",
        "statement_timeout": "20s",
        "application_name": "plmsync-worker",
    }


# --- LISTEN / NOTIFY -------------------------------------------------------------------------


def woken_within(listener: JobListener, seconds: float, act: object) -> float | None:
    """Seconds until `listener` woke after `act()` ran (None: it slept the whole time)."""
    stop, woke = threading.Event(), []

    def wait() -> None:
        started = time.monotonic()
        listener.wait(seconds, stop)
        woke.append(time.monotonic() - started)

    thread = threading.Thread(target=wait)
    thread.start()
    time.sleep(0.5)  # listening by now
    act()  # type: ignore[operator]
    thread.join()
    return woke[0] - 0.5 if woke[0] < seconds - 0.1 else None


@pytest.mark.postgresql
def test_an_enqueued_job_wakes_a_listener_when_its_transaction_commits(postgres_url: str) -> None:
    url = sa.make_url(postgres_url)
    with SqlStore(postgres_url) as store:
        listener = JobListener(url)
        try:
            latency = woken_within(
                listener,
                10,
                lambda: store.receive(
                    RELEASE,
                    event_id="e1",
                    source_system="t",
                    change_number="REL",
                    jobs=[NewJob("US01")],
                ),
            )
        finally:
            listener.close()
    assert latency is not None and latency < 1.0, latency


@pytest.mark.postgresql
def test_a_rolled_back_enqueue_wakes_nobody(postgres_url: str) -> None:
    with SqlStore(postgres_url) as store:
        listener = JobListener(sa.make_url(postgres_url))
        try:
            assert woken_within(listener, 2, lambda: enqueue_one(store, commit=False)) is None
        finally:
            listener.close()


@pytest.mark.postgresql
@pytest.mark.parametrize(("due_in", "wakes"), [(0, True), (3600, False)])
def test_a_retry_wakes_listeners_only_when_it_is_due_now(
    postgres_url: str, due_in: int, wakes: bool
) -> None:
    """A job that waits (for locks, for an earlier change, for its backoff) would only be
    claimed too early if its move woke the workers; one due now is worth waking them for."""
    with SqlStore(postgres_url) as store:
        enqueue_one(store)
        now = dt.datetime.now(dt.UTC)
        job = store.claim("w1", now, dt.timedelta(minutes=1))
        assert job is not None
        listener = JobListener(sa.make_url(postgres_url))
        try:
            latency = woken_within(
                listener,
                2,
                lambda: store.transition(
                    job.id,
                    JobState.RETRYING,
                    worker="w1",
                    run_after=now + dt.timedelta(seconds=due_in),
                ),
            )
        finally:
            listener.close()
    assert (latency is not None) is wakes


def enqueue_one(store: SqlStore, *, commit: bool = True) -> None:
    """An event and its job, inserted in one transaction of the store's own engine."""
    now = dt.datetime.now(dt.UTC)
    with store.engine.connect() as db, db.begin() as transaction:
        event = db.execute(
            sa.insert(events).values(
                event_id=f"evt-{time.monotonic_ns()}",
                source_system="t",
                change_number="X",
                content_hash=str(time.monotonic_ns()),
                received_at=now,
                status="accepted",
                error_code="",
                error_detail="",
                raw=b"{}",
            )
        ).inserted_primary_key
        assert event is not None
        db.execute(
            sa.insert(jobs).values(
                event=event[0],
                change_number="X",
                plant="US01",
                state="queued",
                created_at=now,
                updated_at=now,
            )
        )
        if not commit:
            transaction.rollback()


@pytest.mark.postgresql
def test_an_idle_worker_process_picks_a_new_job_up_long_before_its_next_poll(
    tmp_path: Path, postgres_url: str
) -> None:
    config = workspace(limited_url(postgres_url, LIMITS), tmp_path)
    slow_poll = config.engine.model_copy(update={"poll_seconds": 30.0})
    factory = ClusterEngine(config.model_copy(update={"engine": slow_poll}), tmp_path / "erp")
    [first] = history(revisions=1)
    with Cluster(factory, 1):
        time.sleep(3)  # started, found nothing, asleep until a NOTIFY or 30 s from now
        submitted = time.monotonic()
        jobs_ = deliver(factory, [first])
        engine = factory.observer()
        try:
            while engine.store.job(jobs_[0]).state is JobState.QUEUED:
                assert time.monotonic() - submitted < 15, "not claimed: the NOTIFY was missed"
                time.sleep(0.05)
        finally:
            engine.close()
    latency = time.monotonic() - submitted
    print(f"claimed {latency:.2f} s after submission (poll interval 30 s)")
    assert latency < 10


# --- graceful shutdown -----------------------------------------------------------------------


def test_a_job_claimed_while_stopping_is_released_without_an_attempt(tmp_path: Path) -> None:
    factory = ClusterEngine(workspace(f"sqlite:///{tmp_path / 's.sqlite'}", tmp_path), tmp_path)
    job = deliver(factory, history(revisions=1))[0]  # the oldest: the one a worker claims
    engine = factory()
    try:
        [worker] = engine.workers(1)
        worker.stop()  # the stop arrives between the claim and the run

        assert worker.step() is None
        released = engine.store.job(job)
        last = engine.store.transitions(job)[-1]
    finally:
        engine.close()
    assert (released.state, released.attempts, released.lease_owner) == (JobState.RETRYING, 0, "")
    assert last.reason.startswith("waiting: released by worker")


def test_sigterm_lets_a_worker_process_finish_the_job_in_hand(tmp_path: Path) -> None:
    """The ERP takes 3 s per call here: SIGTERM arrives mid-job, the job still succeeds,
    with no attempt counted, and the process exits cleanly."""
    slow = ClusterEngine(
        workspace(f"sqlite:///{tmp_path / 's.sqlite'}", tmp_path), tmp_path / "erp"
    )
    [release] = history(revisions=1)
    ids = deliver(slow, [release])
    cluster = Cluster(SlowErp(slow.config, slow.erp_dir), 1).__enter__()
    observer = slow.observer()
    try:
        while not any(observer.store.job(j).state is JobState.RUNNING for j in ids):
            time.sleep(0.05)
        process = cluster.processes[0]
        assert process.pid is not None
        os.kill(process.pid, signal.SIGTERM)
        process.join(30)
        finished = {observer.store.job(j).state for j in ids}
        attempts = {observer.store.job(j).attempts for j in ids}
    finally:
        observer.close()
    assert process.exitcode == 0
    assert JobState.SUCCEEDED in finished and JobState.RUNNING not in finished
    assert attempts == {0}


class SlowErp(ClusterEngine):
    def __call__(self) -> Engine:
        engine = super().__call__()
        for target in engine.pipeline.targets.values():
            assert isinstance(target, FileErp)
            target.latency = 3.0
        return engine


@pytest.mark.postgresql
def test_plmsync_worker_concurrency_runs_processes_that_sigterm_stops(
    tmp_path: Path, postgres_url: str
) -> None:
    config = tmp_path / "plmsync.yaml"
    document = {
        "version": 1,
        "plants": {"US01": {"target": "US01", "region": "NA"}},
        "targets": {"US01": {"kind": "memory"}},
        "engine": {"url": postgres_url, "poll_seconds": 0.2},
    }
    config.write_text(yaml.safe_dump(document), encoding="utf-8")
    engine = build_engine(load_config(config))
    try:
        engine.submit(US01_ONLY.model_dump_json().encode())
    finally:
        engine.close()

    worker = subprocess.Popen(
        [PLMSYNC, "worker", "--config", str(config), "--concurrency", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    engine = build_engine(load_config(config))
    try:
        deadline = time.monotonic() + 60
        while not idle(engine.store)():
            assert time.monotonic() < deadline, "the worker processes never drained the queue"
            time.sleep(0.1)
        states = {job.state for job in engine.store.jobs()}
    finally:
        engine.close()
    assert len(children(worker.pid)) == 2
    crashed = children(worker.pid)[0]
    os.kill(crashed, signal.SIGKILL)  # a worker process dies: the supervisor replaces it
    deadline = time.monotonic() + 30
    while crashed in children(worker.pid) or len(children(worker.pid)) < 2:
        assert time.monotonic() < deadline, "the killed worker process was not replaced"
        time.sleep(0.1)
    worker.send_signal(signal.SIGTERM)
    output, _ = worker.communicate(timeout=30)

    assert states == {JobState.SUCCEEDED}
    assert worker.returncode == 0, output
    assert "Started 2 worker process(es)" in output
    assert "Worker processes stopped (1 restarted after a crash)" in output
    assert children(worker.pid) == []


def children(pid: int) -> list[int]:
    """The worker processes `pid` spawned (Linux /proc), oldest first: not multiprocessing's
    resource tracker, and not a dead one waiting to be reaped."""
    try:
        listed = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except FileNotFoundError:
        return []
    return [int(child) for child in listed if "spawn_main" in _command(int(child))]


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except FileNotFoundError:
        return ""
