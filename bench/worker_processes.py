"""Run one function in several fresh processes that start their timed work together.

Each process gets a barrier: it prepares (imports, connections), waits on the barrier, then
times its work with the wall clock (`time.time`, comparable across processes), so a run's
span is from the first start to the last end and excludes every process's start-up.
"""

from __future__ import annotations

import multiprocessing as mp
import traceback
from collections.abc import Callable
from typing import Any

TIMEOUT = 600.0


def run_in_processes(work: Callable[..., Any], arguments: list[tuple[Any, ...]]) -> list[Any]:
    """`work(*args, barrier)` in one spawned process per args; their results, in order."""
    context = mp.get_context("spawn")
    barrier = context.Barrier(len(arguments))
    queue = context.Queue()
    processes = [
        context.Process(target=_report, args=(work, index, args, barrier, queue))
        for index, args in enumerate(arguments)
    ]
    for process in processes:
        process.start()
    try:
        results = dict(queue.get(timeout=TIMEOUT) for _ in processes)
    finally:
        for process in processes:
            process.join(TIMEOUT)
    failures = [r[1] for r in results.values() if isinstance(r, tuple) and r[:1] == ("error",)]
    if failures:
        raise RuntimeError("\n".join(failures))
    return [results[index] for index in range(len(processes))]


def _report(
    work: Callable[..., Any], index: int, args: tuple[Any, ...], barrier: Any, queue: Any
) -> None:
    try:
        queue.put((index, work(*args, barrier)))
    except BaseException:
        queue.put((index, ("error", traceback.format_exc())))
