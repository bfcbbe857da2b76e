"""`plmsync sync` through the durable engine: check, show the plans, submit, run to completion
in-process with a progress bar per plant, then a per-plant summary.

The package is validated (read-only) before it is submitted: a CLI user holds the file, so
an invalid one is refused at once with every problem listed, and nothing is stored or
written. A valid one goes through the inbox like any delivery — a repeated `sync` of the
same file is recorded as a duplicate and only its original jobs are followed.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from plmsync.cli.engine_views import OK_STATES, state_text
from plmsync.cli.render import issues_table, print_plan
from plmsync.domain.plan import Plan
from plmsync.engine.model import Job, JobState
from plmsync.engine.reports import JobReport, Outcome, Planned
from plmsync.engine.service import Engine
from plmsync.engine.status import StatusRow, job_rows
from plmsync.pipeline.fetch import read_package
from plmsync.ports.store import Received


def sync_file(engine: Engine, path: Path, console: Console) -> bool:
    """True when every plant of the change is synced (or staged for its date)."""
    raw, package = read_package(path)
    trigger = engine.trigger(package)
    if not trigger.sync:  # not an error: recorded as skipped, and nothing to check or plan
        return _skipped(engine, raw, trigger.reason, console)
    plans = engine.preview(package)  # ValidationFailed: every problem, nothing stored
    for plan in plans.values():
        print_plan(console, plan)
    received = engine.submit(raw, actor=_user())
    jobs = _followed_jobs(engine, received, console)
    if not jobs:
        console.print(
            "That event was refused when it was received: see `plmsync dead list` and replay "
            "it with a corrected payload (`plmsync dead replay ID --payload FILE`).",
            highlight=False,
        )
        return False
    with _progress(console, plans, quiet=all(p.is_empty for p in plans.values())) as listener:
        engine.run_until_settled([job.id for job in jobs], listener=listener)
    warnings = next(iter(plans.values())).warnings if plans else ()
    if warnings:
        console.print(issues_table(warnings))
    rows = job_rows(engine.store, [job.id for job in jobs])
    console.print(result_table(package.change.number, rows))
    return all(row.state in OK_STATES for row in rows)


def _skipped(engine: Engine, raw: bytes, reason: str, console: Console) -> bool:
    """Submitted all the same, so the skip is recorded and audited like any delivery."""
    jobs = _followed_jobs(engine, engine.submit(raw, actor=_user()), console)
    engine.run_until_settled([job.id for job in jobs])
    console.print(f"skipped: {escape(reason)}. Nothing was posted.", highlight=False)
    return True


def _followed_jobs(engine: Engine, received: Received, console: Console) -> list[Job]:
    if not received.duplicate:
        return list(received.jobs)
    original = engine.store.event(received.event.duplicate_of or 0)
    console.print(
        f"Event {received.event.event_id} was already received on "
        f"{original.received_at:%Y-%m-%d %H:%M} (inbox #{original.id}): recorded as a "
        "duplicate and not processed again.",
        highlight=False,
    )
    if original.content_hash != received.event.content_hash:
        console.print(
            "[yellow]Its content differs from what was received then[/]: a PLM must not reuse "
            "an event id. To post this content, export it again under a new event id.",
            highlight=False,
        )
    return engine.jobs_of_event(original.id)


def result_table(change: str, rows: Sequence[StatusRow]) -> Table:
    problems = any(row.state not in OK_STATES for row in rows)
    table = Table(title=f"Result of {change}")
    for column in ("Plant", "State", "Steps", "In use from"):
        table.add_column(column, no_wrap=True)
    if problems:
        table.add_column("Problem → what to do", overflow="fold")
    for row in rows:
        cells = [
            row.plant,
            state_text(row.state),
            f"{row.steps_done}/{row.steps_total}",
            _in_use(row),
        ]
        table.add_row(*cells, *([_problem(row)] if problems else []))
    return table


def _in_use(row: StatusRow) -> str:
    return (
        str(row.next_activation)
        if row.next_activation
        else ("now" if row.state in OK_STATES else "")
    )


def _problem(row: StatusRow) -> str:
    if row.state in OK_STATES:
        return ""
    if row.state in (JobState.SUPERSEDED, JobState.SKIPPED):
        return escape(row.reason)
    if row.review is not None:
        return (
            f"[magenta]{escape(row.reason)}[/]\n"
            f"[dim]→ plmsync review show {row.review}, then approve or reject it[/]"
        )
    message = row.last_error_message.splitlines()[0] if row.last_error_message else row.reason
    if row.dead_letter is not None:
        todo = f"fix the cause, then: plmsync dead replay {row.dead_letter}"
    else:
        todo = f"still {row.state}: plmsync status {row.change}"
    return f"[red]{row.last_error_code}[/] {escape(message)}\n[dim]→ {todo}[/]"


@contextmanager
def _progress(
    console: Console, plans: Mapping[str, Plan], *, quiet: bool
) -> Iterator[_ProgressListener | None]:
    if quiet:
        yield None
        return
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )
    with progress:
        tasks = {
            p: progress.add_task(p, total=len(plan.actionable) or 1) for p, plan in plans.items()
        }
        yield _ProgressListener(progress, tasks)


class _ProgressListener:
    """Sizes each plant's bar from the plan the engine is about to post, fills it when the
    job settles, and says why while it waits (retrying, locked)."""

    def __init__(self, progress: Progress, tasks: dict[str, TaskID]):
        self.progress = progress
        self.tasks = tasks

    def __call__(self, event: Planned | JobReport) -> None:
        task = self.tasks.get(event.job.plant)
        if task is None:
            return
        if isinstance(event, Planned):
            self.progress.update(task, total=len(event.plan.actionable) or 1)
            return
        label = event.job.plant
        if event.outcome is not Outcome.SUCCEEDED:
            label += f" {event.outcome}"
        written = event.outcome in (Outcome.SUCCEEDED, Outcome.STAGED)
        total = self.progress.tasks[task].total or 1
        self.progress.update(task, completed=total if written else 0, description=label)


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "plmsync"
