"""Job claim + complete throughput of plmsync's durable queue, on SQLite and PostgreSQL,
next to procrastinate's own worker on the same PostgreSQL server.

Each side drains the same number of jobs with the same number of worker processes (one
round per `--workers`), started together once connected. Durable settings on both sides:
plmsync's store as it ships (SQLite in WAL with `synchronous=FULL`; PostgreSQL with the
server's `synchronous_commit`, reported), every claim and every completion its own committed
transaction, as a worker does them (the completion also writes the job's transition row and
its outbox event). procrastinate runs a no-op task with its own worker (`run_worker`,
concurrency 1 per process, no LISTEN/NOTIFY, jobs kept), so each side pays for fetching a
job and recording its end; neither does any work. Jobs are queued before the clock starts.
A floor row shows what durability alone costs on the same server: per job, two bare UPDATEs
of plmsync's jobs table (claim, complete), each committed, through psycopg without any ORM.

    python -m bench.queue_bench [--jobs 2000] [--workers 1 --workers 4] [--pg postgresql://…]
"""

from __future__ import annotations

import asyncio
import datetime as dt
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import psycopg
import typer

from bench.worker_processes import run_in_processes
from plmsync.engine.model import JobState
from plmsync.persistence import SqlStore
from plmsync.ports.store import NewJob

app = typer.Typer(add_completion=False)

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
LEASE = dt.timedelta(minutes=5)
GOAL = "≥ 1,000 jobs/s on PostgreSQL, not below procrastinate"
DEFAULT_WORKERS = (1, 4)
FLOOR = "floor: 2 bare UPDATEs, 2 commits"


@dataclass(frozen=True)
class QueueResult:
    system: str
    database: str
    jobs: int
    workers: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.jobs / self.seconds


Span = tuple[float, float, int]  # a worker's start, end (wall clock) and jobs completed


def plmsync_throughput(url: str, jobs: int, workers: int = 1) -> float:
    """Seconds for `workers` processes to claim and complete `jobs` queued jobs."""
    _queue_plmsync_jobs(url, jobs)
    spans = run_in_processes(_plmsync_drain, [(url, f"w{n}") for n in range(workers)])
    _require_all("plmsync", sum(n for _, _, n in spans), jobs)
    return _span(spans)


def _queue_plmsync_jobs(url: str, jobs: int) -> None:
    with SqlStore(url, migrate=True) as store:  # a fresh database: create the schema
        for n in range(jobs):
            store.receive(
                b"{}",
                event_id=f"bench-{n}",
                source_system="bench",
                change_number=f"Q-{n}",
                jobs=[NewJob("P1", None)],
            )


def _plmsync_drain(url: str, worker: str, barrier: Any) -> Span:
    with SqlStore(url, migrate=False) as store:
        barrier.wait()
        started = time.time()
        now = dt.datetime.now(dt.UTC)
        done = 0
        while (job := store.claim(worker, now, LEASE)) is not None:
            store.transition(job.id, JobState.SUCCEEDED, worker=worker)
            done += 1
        return started, time.time(), done


# The floor: what durability alone costs. Two bare UPDATEs per job (claim, complete), each its
# own committed transaction, on plmsync's jobs table; no transition rows, no outbox, no ORM.
_FLOOR_CLAIM = (
    "UPDATE jobs SET state = 'running', lease_owner = %(worker)s WHERE id = ("
    "SELECT id FROM jobs WHERE state IN ('queued', 'retrying') ORDER BY id LIMIT 1 "
    "FOR UPDATE SKIP LOCKED) RETURNING id"
)
_FLOOR_COMPLETE = "UPDATE jobs SET state = 'succeeded', lease_owner = '' WHERE id = %(id)s"


def floor_throughput(url: str, jobs: int, workers: int = 1) -> float:
    """Seconds for `workers` processes to drain `jobs` with the floor's two statements."""
    _queue_plmsync_jobs(url, jobs)
    conninfo = url.replace("postgresql+psycopg://", "postgresql://", 1)
    spans = run_in_processes(_floor_drain, [(conninfo, f"w{n}") for n in range(workers)])
    _require_all("floor", sum(n for _, _, n in spans), jobs)
    return _span(spans)


def _floor_drain(conninfo: str, worker: str, barrier: Any) -> Span:
    with psycopg.connect(conninfo) as connection:
        barrier.wait()
        started = time.time()
        done = 0
        while True:
            row = connection.execute(_FLOOR_CLAIM, {"worker": worker}).fetchone()
            connection.commit()
            if row is None:
                return started, time.time(), done
            connection.execute(_FLOOR_COMPLETE, {"id": row[0]})
            connection.commit()
            done += 1


def procrastinate_throughput(conninfo: str, jobs: int, workers: int = 1) -> float:
    asyncio.run(_procrastinate_queue(conninfo, jobs))
    spans = run_in_processes(_procrastinate_drain, [(conninfo,)] * workers)
    with psycopg.connect(conninfo) as connection:
        row = connection.execute(
            "SELECT count(*) FROM procrastinate_jobs WHERE status = 'succeeded'"
        ).fetchone()
    _require_all("procrastinate", int(row[0]) if row else 0, jobs)
    return _span(spans)


def _procrastinate_app(conninfo: str) -> Any:
    import procrastinate

    queue = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo))
    queue.task(name="noop")(_noop)
    return queue


def _noop() -> None:
    return None


async def _procrastinate_queue(conninfo: str, jobs: int) -> None:
    queue = _procrastinate_app(conninfo)
    async with queue.open_async():
        await queue.schema_manager.apply_schema_async()
        await queue.tasks["noop"].batch_defer_async(*({} for _ in range(jobs)))


def _procrastinate_drain(conninfo: str, barrier: Any) -> Span:
    return asyncio.run(_drain_async(conninfo, barrier))


async def _drain_async(conninfo: str, barrier: Any) -> Span:
    queue = _procrastinate_app(conninfo)
    async with queue.open_async():
        barrier.wait()
        started = time.time()
        await queue.run_worker_async(
            wait=False, concurrency=1, listen_notify=False, install_signal_handlers=False
        )
        return started, time.time(), 0  # counted in the database once every worker is done


def _require_all(system: str, done: int, jobs: int) -> None:
    if done != jobs:
        raise SystemExit(f"{system} completed {done} of {jobs} jobs")


def _span(spans: list[Span]) -> float:
    """From the first worker's start to the last one's end."""
    return max(end for _, end, _ in spans) - min(start for start, _, _ in spans)


@contextmanager
def scratch_database(server: str, name: str) -> Iterator[str]:
    """A new, empty database on the server for one measurement, dropped afterwards."""
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def synchronous_commit(server: str) -> str:
    with psycopg.connect(server) as connection:
        row = connection.execute("SHOW synchronous_commit").fetchone()
    return str(row[0]) if row else "unknown"


def measure(
    jobs: int, pg: str, worker_counts: tuple[int, ...] = (1,)
) -> tuple[list[QueueResult], str]:
    results = []
    for workers in worker_counts:
        results += _one_round(jobs, pg, workers)
    note = f"PostgreSQL synchronous_commit = {synchronous_commit(pg)}"
    return results, note


def _one_round(jobs: int, pg: str, workers: int) -> list[QueueResult]:
    with tempfile.TemporaryDirectory(prefix="plmsync-queue-") as work:
        url = f"sqlite:///{Path(work) / 'state.sqlite'}"
        sqlite = plmsync_throughput(url, jobs, workers)
    with scratch_database(pg, "plmsync_bench_queue") as database:
        sa_url = database.replace("postgresql://", "postgresql+psycopg://", 1)
        postgres = plmsync_throughput(sa_url, jobs, workers)
    with scratch_database(pg, "plmsync_bench_procrastinate") as database:
        baseline = procrastinate_throughput(database, jobs, workers)
    with scratch_database(pg, "plmsync_bench_floor") as database:
        sa_url = database.replace("postgresql://", "postgresql+psycopg://", 1)
        floor = floor_throughput(sa_url, jobs, workers)
    return [
        QueueResult("plmsync", "SQLite", jobs, workers, sqlite),
        QueueResult("plmsync", "PostgreSQL", jobs, workers, postgres),
        QueueResult("procrastinate", "PostgreSQL", jobs, workers, baseline),
        QueueResult(FLOOR, "PostgreSQL", jobs, workers, floor),
    ]


def markdown(results: list[QueueResult], note: str, command: str) -> str:
    out = [
        f"Job claim + complete, durable settings ({note}); `{command}`; goal {GOAL}.",
        "",
        "| Queue | Database | Worker processes | Jobs | Seconds | Jobs/s |",
        "|---|---|---|---|---|---|",
    ]
    out += [
        f"| {r.system} | {r.database} | {r.workers} | {r.jobs:,} | {r.seconds:.2f} "
        f"| {r.per_second:,.0f} |"
        for r in results
    ]
    return "\n".join([*out, "", *verdicts(results)]) + "\n"


def verdicts(results: list[QueueResult]) -> list[str]:
    """Per worker count: is plmsync on PostgreSQL at 1,000 jobs/s, and not below procrastinate?"""
    lines = []
    for workers in sorted({r.workers for r in results}):
        ours = _rate(results, "plmsync", "PostgreSQL", workers)
        theirs = _rate(results, "procrastinate", "PostgreSQL", workers)
        if ours is None or theirs is None:
            continue
        fast = "met" if ours >= 1_000 else "**not met**"
        level = "met" if ours >= theirs else "**not met**"
        floor = _rate(results, FLOOR, "PostgreSQL", workers)
        bound = "" if floor is None else f"; the floor of two commits per job: {floor:,.0f}"
        lines.append(
            f"- {workers} worker(s): ≥ 1,000 jobs/s {fast} ({ours:,.0f}{bound}); "
            f"not below procrastinate {level} ({ours / theirs:.2f}× procrastinate's {theirs:,.0f})"
        )
    return lines


def _rate(results: list[QueueResult], system: str, database: str, workers: int) -> float | None:
    found = [
        r.per_second
        for r in results
        if (r.system, r.database, r.workers) == (system, database, workers)
    ]
    return found[0] if found else None


@app.command()
def main(
    jobs: Annotated[int, typer.Option(min=1, help="Jobs queued, then drained.")] = 2_000,
    workers: Annotated[
        list[int] | None, typer.Option(help="Worker processes (repeat for several rounds).")
    ] = None,
    pg: Annotated[str, typer.Option(help="PostgreSQL server (a scratch db is made).")] = (
        DEFAULT_PG
    ),
) -> None:
    counts = tuple(workers or DEFAULT_WORKERS)
    results, note = measure(jobs, pg, counts)
    flags = " ".join(f"--workers {n}" for n in counts)
    typer.echo(markdown(results, note, f"python -m bench.queue_bench --jobs {jobs} {flags}"))


if __name__ == "__main__":
    app()
