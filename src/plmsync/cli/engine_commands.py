"""Commands of the durable engine: worker, status, dead letters, audit, activate.

Each command loads the workspace, builds the engine (`bootstrap.build_engine`) and closes it;
errors come out through `handled()` as a code, a message and what to do.
"""

from __future__ import annotations

import datetime as dt
import getpass
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from plmsync.bootstrap import build_engine
from plmsync.cli import engine_views as views
from plmsync.cli.common import EXIT_FAILED, ConfigOption, console, handled
from plmsync.cli.engine_sync import result_table
from plmsync.cli.inbox_chore import inbox_chores
from plmsync.cli.relay_chore import relay_chores
from plmsync.config import DEFAULT_CONFIG, load_config
from plmsync.domain.errors import ConfigError
from plmsync.engine.processes import Supervisor, WorkerSpec, WorkspaceEngine
from plmsync.engine.reports import JobReport, Planned
from plmsync.engine.service import Engine
from plmsync.engine.status import job_rows
from plmsync.engine.worker import idle

dead_app = typer.Typer(
    name="dead", help="Dead letters: list, show, replay or discard.", no_args_is_help=True
)
ByOption = Annotated[str | None, typer.Option("--by", help="Who acts (default: your login).")]


@contextmanager
def opened(config: Path) -> Iterator[Engine]:
    engine = build_engine(load_config(config))
    try:
        yield engine
    finally:
        engine.close()


def submit(
    packages: Annotated[list[Path], typer.Argument(help="Payload files (JSON change packages).")],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Deliver payloads to the inbox only (as a PLM feed would); a worker posts them.

    Nothing is checked first: an unreadable payload is kept as a rejected event with a dead
    letter, a repeated one is recorded as a duplicate."""
    with handled(), opened(config) as engine:
        for path in packages:
            received = engine.submit(_read(path), actor=user())
            console.print(views.received_line(path.name, received), highlight=False)


def worker(
    config: ConfigOption = DEFAULT_CONFIG,
    threads: Annotated[int | None, typer.Option("--threads", "-t", help="Worker threads.")] = None,
    exit_when_idle: Annotated[
        bool, typer.Option("--exit-when-idle", help="Stop when nothing is queued or running.")
    ] = False,
    concurrency: Annotated[
        int | None,
        typer.Option("--concurrency", "-j", min=1, help="Worker processes (see Scaling out)."),
    ] = None,
) -> None:
    """Run the sync worker: claim, post, retry, activate due changes.

    SIGTERM or Ctrl-C stops it after the job in hand."""
    if concurrency is not None:
        with handled():
            _run_processes(config, concurrency, exit_when_idle)
        return
    with handled(), opened(config) as engine:
        _on_stop_signals(engine)
        count = threads or engine.settings.threads
        console.print(f"Worker started with {count} thread(s); Ctrl-C or SIGTERM stops it.")
        until = idle(engine.store) if exit_when_idle else None
        workspace = load_config(config)
        with relay_chores(workspace, engine.clock) as relaying:
            chores = [*relaying, *inbox_chores(workspace, engine.store, engine.clock)]
            ran = engine.run(
                until, threads=count, listener=_print_report, scheduled=True, chores=chores
            )
        console.print(f"Worker stopped after {ran} job run(s).")


def _run_processes(config: Path, count: int, exit_when_idle: bool) -> None:
    load_config(config)  # a bad workspace fails here, once, not in every process
    spec = WorkerSpec(WorkspaceEngine(config.resolve()), exit_when_idle, _print_report)
    supervisor = Supervisor(spec, count)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, supervisor.stop)
    console.print(f"Started {count} worker process(es); Ctrl-C or SIGTERM stops them.")
    restarts = supervisor.run()
    console.print(f"Worker processes stopped ({restarts} restarted after a crash).")


def _on_stop_signals(engine: Engine) -> None:
    def stop(signum: int, _frame: object) -> None:
        console.print(f"{signal.Signals(signum).name}: finishing the current job, then stopping…")
        engine.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


def _print_report(event: Planned | JobReport) -> None:
    if isinstance(event, JobReport):
        console.print(views.job_line(event), highlight=False)


def status(
    change: Annotated[str | None, typer.Argument(help="Only this change.")] = None,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Per change and plant: state, steps done, next activation or retry, last error."""
    with handled(), opened(config) as engine:
        rows = engine.status(change)
        if not rows:
            console.print(f"No jobs{f' for {change}' if change else ''} yet.")
            return
        title = f"Sync status of {change}" if change else "Sync status"
        console.print(views.status_table(rows, title, engine.touchpoints(change)))


@dead_app.command("list")
def dead_list(
    config: ConfigOption = DEFAULT_CONFIG,
    every: Annotated[bool, typer.Option("--all", help="Replayed and discarded ones too.")] = False,
) -> None:
    """Open dead letters (what failed, its code, how many attempts)."""
    with handled(), opened(config) as engine:
        letters = engine.dead_letters(None if every else "open")
        plants = {job.id: job.plant for job in engine.store.jobs()}
        console.print(views.dead_letters_table(letters, plants))


@dead_app.command("show")
def dead_show(
    letter: Annotated[int, typer.Argument(help="Dead letter id.")],
    config: ConfigOption = DEFAULT_CONFIG,
    save: Annotated[
        Path | None, typer.Option("--save", help="Write the original payload to FILE (to edit).")
    ] = None,
) -> None:
    """One dead letter: failed step, the ERP's words, every attempt, the original payload."""
    with handled(), opened(config) as engine:
        found = engine.dead_letter(letter)
        event = engine.store.event(found.event)
        payload = engine.payload_of(found)
        console.print(views.dead_letter_view(found, event.event_id, event.change_number, payload))
        if save is not None:
            save.write_bytes(payload)
            console.print(
                f"Original payload written to {save}: edit it, then "
                f"`plmsync dead replay {letter} --payload {save}`."
            )


@dead_app.command("replay")
def dead_replay(
    letter: Annotated[int, typer.Argument(help="Dead letter id.")],
    config: ConfigOption = DEFAULT_CONFIG,
    payload: Annotated[
        Path | None, typer.Option("--payload", help="Replay this edited payload instead.")
    ] = None,
    by: ByOption = None,
    run: Annotated[bool, typer.Option("--run", help="Run it to completion here.")] = False,
) -> None:
    """Replay after fixing the cause: as is, or with an edited payload (kept and audited)."""
    with handled(), opened(config) as engine:
        edited = _read(payload) if payload else None
        result = engine.replay(letter, payload=edited, by=by or user())
        if result.received is not None:
            event = result.received.event
            console.print(f"Edited payload submitted as event {event.event_id} ({event.status}).")
            jobs = [job.id for job in result.received.jobs]
        else:
            console.print(
                f"Dead letter {letter} replayed: job {result.requeued_job} is queued again."
            )
            jobs = [result.requeued_job] if result.requeued_job else []
        run_jobs(engine, jobs, run)


def run_jobs(engine: Engine, jobs: list[int], run: bool) -> None:
    """Run these jobs to completion here (`run`), or say a worker will."""
    if not run:
        console.print("A running worker picks it up (or: plmsync worker --exit-when-idle).")
        return
    engine.run_until_settled(jobs, listener=_print_report)
    rows = job_rows(engine.store, jobs)
    if rows:
        console.print(result_table(rows[0].change, rows))
    if any(row.state not in views.OK_STATES for row in rows):
        raise typer.Exit(EXIT_FAILED)


@dead_app.command("discard")
def dead_discard(
    letter: Annotated[int, typer.Argument(help="Dead letter id.")],
    config: ConfigOption = DEFAULT_CONFIG,
    by: ByOption = None,
) -> None:
    """Give up on a dead letter: its job is cancelled and nothing is posted."""
    with handled(), opened(config) as engine:
        found = engine.discard(letter, by=by or user())
        console.print(f"Dead letter {found.id} discarded by {found.resolved_by}.")


def audit(
    change: Annotated[str, typer.Argument(help="A change number, or `verify` to check the chain.")],
    config: ConfigOption = DEFAULT_CONFIG,
    every: Annotated[bool, typer.Option("--all", help="One row per ERP posting.")] = False,
) -> None:
    """The audit trail of a change as a timeline, or `audit verify` to check the chain.

    `plmsync audit verify` names the first broken record and exits 1."""
    with handled(), opened(config) as engine:
        if change == "verify":
            broken = engine.verify_audit()
            console.print(views.verify_message(broken, len(engine.audit_trail())), highlight=False)
            if broken is not None:
                raise typer.Exit(EXIT_FAILED)
            return
        entries = engine.audit_trail(change)
        if not entries:
            raise ConfigError(
                f"no audit entries for change {change}",
                remedy="Check the change number with `plmsync status`.",
            )
        console.print(views.audit_table(entries, change, every=every))


def activate(
    as_of: Annotated[
        str, typer.Option("--as-of", help="Activate what is effective by YYYY-MM-DD.")
    ],
    config: ConfigOption = DEFAULT_CONFIG,
    run: Annotated[
        bool,
        typer.Option(
            "--run/--queue-only", help="Post the activations here, or leave them to a worker."
        ),
    ] = True,
) -> None:
    """Activate staged changes whose effectivity date has come (per plant)."""
    with handled(), opened(config) as engine:
        jobs = engine.activate(_date(as_of), by=user())
        if not jobs:
            console.print(f"Nothing staged is effective by {as_of}.")
            return
        for job in jobs:
            console.print(
                f"Activating {job.change_number} in {job.plant} (effective {job.effective_from})."
            )
        run_jobs(engine, [job.id for job in jobs], run)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"--as-of {text!r} is not a date", remedy="Write it as YYYY-MM-DD."
        ) from None


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"cannot read {path}: {exc.strerror}", remedy="Check the file name."
        ) from None


def user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "plmsync"


def register(app: typer.Typer) -> None:
    app.command()(submit)
    app.command()(worker)
    app.command()(status)
    app.command()(audit)
    app.command()(activate)
    app.add_typer(dead_app)
