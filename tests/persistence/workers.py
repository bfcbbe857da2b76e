"""Code the concurrency tests run in separate processes, each opening its own store.

They are forked from a fork server that imported this module once (no threads, no open
connections: safe to fork), so a process costs milliseconds instead of a fresh interpreter's
second of imports.

Every function takes a barrier so all processes start their work at once, and puts one
result, or ("error", traceback), on the queue.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import time
import traceback
from collections.abc import Callable
from typing import Any

from plmsync.engine.model import JobState
from plmsync.persistence import SqlStore
from plmsync.ports.store import NewJob

LEASE = dt.timedelta(minutes=5)


def run(
    work: Callable[..., Any], arguments: list[tuple[Any, ...]], timeout: float = 120
) -> list[Any]:
    """Run `work(*args, barrier)` in one process per args; their results, in order."""
    context = mp.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    barrier = context.Barrier(len(arguments))
    queue = context.Queue()
    processes = [
        context.Process(target=_report, args=(work, index, args, barrier, queue))
        for index, args in enumerate(arguments)
    ]
    for process in processes:
        process.start()
    try:
        results = dict(queue.get(timeout=timeout) for _ in processes)
    finally:
        for process in processes:
            process.join(timeout)
        queue.close()
        queue.join_thread()
    failures = [r[1] for r in results.values() if isinstance(r, tuple) and r[:1] == ("error",)]
    assert not failures, "\n".join(failures)
    return [results[index] for index in range(len(processes))]


def _report(
    work: Callable[..., Any], index: int, args: tuple[Any, ...], barrier: Any, queue: Any
) -> None:
    try:
        queue.put((index, work(*args, barrier)))
    except BaseException:
        queue.put((index, ("error", traceback.format_exc())))


def claim_until_empty(url: str, worker: str, barrier: Any) -> list[int]:
    with SqlStore(url, migrate=False) as store:
        barrier.wait()
        claimed = []
        now = dt.datetime.now(dt.UTC)
        while (job := store.claim(worker, now, LEASE)) is not None:
            store.transition(job.id, JobState.SUCCEEDED, worker=worker)
            claimed.append(job.id)
            # A real worker spends time on each job; without this pause one process on a
            # loaded 2-core machine can drain the whole queue before the others get the CPU.
            time.sleep(0.002)
        return claimed


def receive_same_payload(url: str, event_id: str, barrier: Any) -> tuple[int, str, int | None]:
    with SqlStore(url, migrate=False) as store:
        barrier.wait()
        received = store.receive(
            b'{"change": "ECO-RACE"}',
            event_id=event_id,
            source_system="windchill",
            change_number="ECO-RACE",
            jobs=[NewJob("US01"), NewJob("DE01")],
        )
        return received.event.id, received.event.status.value, received.event.duplicate_of


def open_new_store(path: str, barrier: Any) -> int:
    barrier.wait()
    with SqlStore(path) as store:  # the first opener migrates, the others wait and skip
        return len(store.jobs())


def lock_same_keys(url: str, job: int, barrier: Any) -> bool:
    with SqlStore(url, migrate=False) as store:
        barrier.wait()
        now = dt.datetime.now(dt.UTC)
        return store.lock_objects(job, ["item:P-1", "bom:P-1", f"own:{job}"], now, now + LEASE)
