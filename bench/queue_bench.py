"""Job claim + complete throughput of plmsync's durable queue, on SQLite and PostgreSQL,
next to procrastinate's own worker on the same PostgreSQL server.

Durable settings on both sides: plmsync's store as it ships (SQLite in WAL with
`synchronous=FULL`; PostgreSQL with the server's `synchronous_commit`, reported), every
claim and every completion its own committed transaction, as a worker does them (the
completion also writes the job's transition row and its outbox event). procrastinate runs
a no-op task with its worker (`run_worker`, one worker, concurrency 1, no LISTEN/NOTIFY, jobs
kept), so each side pays for fetching a job and recording its end; neither does any work.
Jobs are queued before the clock starts.

    python -m bench.queue_bench [--jobs 2000] [--pg postgresql://postgres@127.0.0.1:5432/postgres]
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

from plmsync.engine.model import JobState
from plmsync.persistence import SqlStore
from plmsync.ports.store import NewJob

app = typer.Typer(add_completion=False)

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
LEASE = dt.timedelta(minutes=5)
GOAL = "≥ 1,000 jobs/s on PostgreSQL, not below procrastinate"


@dataclass(frozen=True)
class QueueResult:
    system: str
    database: str
    jobs: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.jobs / self.seconds


def plmsync_throughput(url: str, jobs: int) -> float:
    """Seconds for one worker to claim and complete `jobs` queued jobs."""
    with SqlStore(url, migrate=True) as store:  # a fresh database: create the schema
        for n in range(jobs):
            store.receive(
                b"{}",
                event_id=f"bench-{n}",
                source_system="bench",
                change_number=f"Q-{n}",
                jobs=[NewJob("P1", None)],
            )
        started = time.perf_counter()
        now = dt.datetime.now(dt.UTC)
        done = 0
        while (job := store.claim("bench", now, LEASE)) is not None:
            store.transition(job.id, JobState.SUCCEEDED, worker="bench")
            done += 1
        seconds = time.perf_counter() - started
    if done != jobs:
        raise SystemExit(f"plmsync completed {done} of {jobs} jobs")
    return seconds


def procrastinate_throughput(conninfo: str, jobs: int) -> float:
    return asyncio.run(_procrastinate(conninfo, jobs))


async def _procrastinate(conninfo: str, jobs: int) -> float:
    import procrastinate

    queue = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo))

    @queue.task(name="noop")
    def noop() -> None:
        return None

    async with queue.open_async():
        await queue.schema_manager.apply_schema_async()
        await noop.batch_defer_async(*({} for _ in range(jobs)))
        started = time.perf_counter()
        await queue.run_worker_async(
            wait=False, concurrency=1, listen_notify=False, install_signal_handlers=False
        )
        seconds = time.perf_counter() - started
        done = await _count_done(queue)
    if done != jobs:
        raise SystemExit(f"procrastinate completed {done} of {jobs} jobs")
    return seconds


async def _count_done(queue: Any) -> int:
    rows = await queue.connector.execute_query_all_async(
        "SELECT count(*) AS n FROM procrastinate_jobs WHERE status = 'succeeded'"
    )
    return int(rows[0]["n"])


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


def measure(jobs: int, pg: str) -> tuple[list[QueueResult], str]:
    results = []
    with tempfile.TemporaryDirectory(prefix="plmsync-queue-") as work:
        url = f"sqlite:///{Path(work) / 'state.sqlite'}"
        results.append(QueueResult("plmsync", "SQLite", jobs, plmsync_throughput(url, jobs)))
    with scratch_database(pg, "plmsync_bench_queue") as database:
        sa_url = database.replace("postgresql://", "postgresql+psycopg://", 1)
        seconds = plmsync_throughput(sa_url, jobs)
        results.append(QueueResult("plmsync", "PostgreSQL", jobs, seconds))
    with scratch_database(pg, "plmsync_bench_procrastinate") as database:
        seconds = procrastinate_throughput(database, jobs)
        results.append(QueueResult("procrastinate", "PostgreSQL", jobs, seconds))
    note = f"PostgreSQL synchronous_commit = {synchronous_commit(pg)}"
    return results, note


def markdown(results: list[QueueResult], note: str, command: str) -> str:
    out = [
        f"Job claim + complete, one worker, durable settings ({note}); `{command}`; goal {GOAL}.",
        "",
        "| Queue | Database | Jobs | Seconds | Jobs/s |",
        "|---|---|---|---|---|",
    ]
    out += [
        f"| {r.system} | {r.database} | {r.jobs:,} | {r.seconds:.2f} | {r.per_second:,.0f} |"
        for r in results
    ]
    return "\n".join(out) + "\n"


@app.command()
def main(
    jobs: Annotated[int, typer.Option(min=1, help="Jobs queued, then drained.")] = 2_000,
    pg: Annotated[str, typer.Option(help="PostgreSQL server (a scratch db is made).")] = (
        DEFAULT_PG
    ),
) -> None:
    results, note = measure(jobs, pg)
    typer.echo(markdown(results, note, f"python -m bench.queue_bench --jobs {jobs}"))


if __name__ == "__main__":
    app()
