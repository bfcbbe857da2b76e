"""Rich views of the engine's state: status, dead letters, the audit timeline, job lines."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping, Sequence

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from plmsync.engine.model import AuditEntry, DeadLetter, EventStatus, JobState
from plmsync.engine.reports import JobReport, Outcome
from plmsync.engine.status import StatusRow
from plmsync.ports.store import Received, Touchpoints

STATE_STYLE = {
    JobState.SUCCEEDED: "green",
    JobState.STAGED: "cyan",
    JobState.QUEUED: "white",
    JobState.RUNNING: "yellow",
    JobState.RETRYING: "yellow",
    JobState.WAITING_REVIEW: "magenta",
    JobState.SUPERSEDED: "dim",
    JobState.SKIPPED: "dim",
    JobState.CANCELLED: "dim",
    JobState.DEAD: "bold red",
}
OK_STATES = frozenset({JobState.SUCCEEDED, JobState.STAGED})


def when(moment: dt.datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def state_text(state: JobState) -> str:
    return f"[{STATE_STYLE[state]}]{state}[/]"


def status_table(
    rows: Sequence[StatusRow],
    title: str = "Sync status",
    touchpoints: Mapping[str, Touchpoints] | None = None,
) -> Table:
    """One row per change and plant; a last error is shown only while it matters. `Manual`
    counts the times people stepped in for the change (shown on its first row)."""
    table = Table(title=title)
    for column in ("Change", "Plant", "State", "Steps", "Attempts", "Next", "Manual"):
        table.add_column(column, no_wrap=True)
    table.add_column("Why not done", overflow="fold")
    shown: set[str] = set()
    for row in rows:
        manual = "" if row.change in shown else manual_text((touchpoints or {}).get(row.change))
        shown.add(row.change)
        table.add_row(
            row.change,
            row.plant,
            state_text(row.state),
            f"{row.steps_done}/{row.steps_total}",
            str(row.attempts),
            _next(row),
            manual,
            _last_error(row),
        )
    return table


def manual_text(touchpoints: Touchpoints | None) -> str:
    """e.g. `2 (1 review, 1 replay)`; 0 when nobody had to step in."""
    if touchpoints is None or not touchpoints.total:
        return "0"
    parts = [
        f"{count} {name}{'s' if count > 1 else ''}"
        for count, name in (
            (touchpoints.reviews, "review"),
            (touchpoints.replays, "replay"),
            (touchpoints.activations, "activation"),
        )
        if count
    ]
    return f"{touchpoints.total} ({', '.join(parts)})"


def _next(row: StatusRow) -> str:
    if row.next_activation:
        return f"activates {row.next_activation}"
    return f"retry {when(row.next_attempt)}" if row.next_attempt else ""


def _last_error(row: StatusRow) -> str:
    """Why it is not done: the error (with the letter to replay), or the superseding reason."""
    if row.state in (JobState.SUPERSEDED, JobState.SKIPPED):
        return escape(row.reason)
    if row.state is JobState.WAITING_REVIEW:
        return f"[magenta]{escape(row.reason)}[/]"
    if not row.last_error_code or row.state in OK_STATES:
        return ""
    message = escape(row.last_error_message.splitlines()[0]) if row.last_error_message else ""
    letter = f" (dead letter {row.dead_letter})" if row.dead_letter else ""
    return f"[red]{row.last_error_code}[/] {message}{letter}"


def dead_letters_table(letters: Sequence[DeadLetter], plants: dict[int, str]) -> Table:
    table = Table(title=f"{len(letters)} dead letter(s)")
    for column in ("ID", "Plant", "Code", "Attempts", "Created", "Status"):
        table.add_column(column, no_wrap=True)
    table.add_column("What happened", overflow="fold")
    for letter in letters:
        table.add_row(
            str(letter.id),
            plants.get(letter.job or 0, "—"),
            f"[red]{letter.error_code}[/]",
            str(len(letter.attempts)),
            when(letter.created_at),
            str(letter.status),
            escape(letter.message.splitlines()[0]) if letter.message else "",
        )
    return table


def dead_letter_view(letter: DeadLetter, event_id: str, change: str, payload: bytes) -> Group:
    """Everything a person needs to decide: replay as is, replay edited, or discard."""
    facts = Table.grid(padding=(0, 2))
    for name, value in (
        ("Dead letter", f"{letter.id} ({letter.status})"),
        ("Change", change or "(unreadable payload)"),
        ("Event", event_id),
        ("Job", str(letter.job) if letter.job else "— (the payload itself was refused)"),
        ("Code", f"[red]{letter.error_code}[/]"),
        ("Created", when(letter.created_at)),
        (
            "Resolved",
            f"{when(letter.resolved_at)} by {letter.resolved_by}" if letter.resolved_by else "",
        ),
    ):
        facts.add_row(f"[bold]{name}[/]", value)
    parts: list[RenderableType] = [facts, Panel(Text(letter.message), title="What happened")]
    parts += _step_and_messages(letter)
    if letter.attempts:
        parts.append(_attempts_table(letter))
    parts.append(_payload_panel(payload, "Original payload"))
    if letter.edited_payload is not None:
        parts.append(_payload_panel(letter.edited_payload, "Edited payload (replayed)"))
    return Group(*parts)


def _step_and_messages(letter: DeadLetter) -> Iterator[RenderableType]:
    if letter.step:
        step = letter.step
        summary = f"{step['kind']} {step['key']} ({step['action']}, rev {step['revision']})"
        yield Panel(Text(summary), title="Plan step that failed")
    for message in letter.erp_messages:
        yield Panel(Text(str(message.get("text", message))), title="The ERP said")


def _attempts_table(letter: DeadLetter) -> Table:
    table = Table(title="Attempts")
    for column in ("#", "At", "Code"):
        table.add_column(column, no_wrap=True)
    table.add_column("Message", overflow="fold")
    for attempt in letter.attempts:
        table.add_row(
            str(attempt.number), when(attempt.at), attempt.error_code, escape(attempt.message)
        )
    return table


_PAYLOAD_LINES = 40


def _payload_panel(payload: bytes, title: str) -> Panel:
    """The payload pretty-printed when it is JSON, cut after a screenful (save it to read all)."""
    try:
        text = json.dumps(json.loads(payload), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        text = payload.decode("utf-8", errors="replace")
    lines = text.splitlines()
    more = len(lines) - _PAYLOAD_LINES
    shown = "\n".join(lines[:_PAYLOAD_LINES]) + (
        f"\n… {more} more line(s): use --save FILE" if more > 0 else ""
    )
    return Panel(Text(shown), title=f"{title} ({len(payload):,} bytes)")


_ERP = {"erp.posted", "erp.staged"}


def audit_table(entries: Sequence[AuditEntry], change: str, *, every: bool = False) -> Table:
    """A readable timeline; with `every`, each ERP entry lists its plan steps and their ids."""
    table = Table(title=f"Audit trail of {change} ({len(entries)} entries)")
    for column in ("#", "When (UTC)", "Action", "Plant"):
        table.add_column(column, no_wrap=True)
    table.add_column("What", overflow="fold")
    for entry in entries:
        what = describe(entry) + (_steps(entry) if every and entry.action in _ERP else "")
        table.add_row(
            str(entry.sequence),
            f"{entry.at:%m-%d %H:%M:%S}",
            entry.action,
            entry.plant,
            escape(what),
        )
    return table


def _steps(entry: AuditEntry) -> str:
    steps = entry.details.get("steps", [])
    return "".join(f"\n  {kind} {key} → {', '.join(map(str, ids))}" for kind, key, ids in steps)


def _ids(ids: Sequence[int | str]) -> str:
    shown = ", ".join(str(i) for i in ids[:8])
    return shown + (f" … ({len(ids)} ids)" if len(ids) > 8 else "")


def describe(entry: AuditEntry) -> str:
    """One sentence per entry; who acted is named when it was a person."""
    d = entry.details
    text = {
        "event.received": lambda: f"event {entry.event_id} accepted{_approvals(d)}",
        "event.duplicate": lambda: (
            f"event {entry.event_id} again: duplicate of inbox #{d.get('duplicate_of')}"
        ),
        "event.rejected": lambda: f"event {entry.event_id} refused: {d.get('error_code')}",
        "job.staged": lambda: f"staged until {d.get('effective_from')}",
        "job.succeeded": lambda: f"succeeded, {d.get('steps')} step(s) posted",
        "job.superseded": lambda: str(d.get("reason")),
        "job.retrying": lambda: (
            f"{d.get('error_code')} (attempt {entry.attempt}); next {str(d.get('run_after'))[:19]}"
        ),
        "job.dead": lambda: (
            f"{d.get('error_code')} (attempt {entry.attempt}) → dead letter {d.get('dead_letter')}"
        ),
        "plant.activated": lambda: f"in use from {d.get('effective_from')}",
        "job.skipped": lambda: f"skipped: {d.get('reason')}",
        "review.opened": lambda: f"review task {d.get('review')} for {d.get('owner_role')}",
        "review.approved": lambda: f"review task {d.get('review')} approved{_said(d)}",
        "review.rejected": lambda: f"review task {d.get('review')} rejected{_said(d)}",
        "drift.healed": lambda: _healed(d),
        "activation.requested": lambda: f"activation asked for (as of {d.get('as_of')})",
        "deadletter.edited": lambda: (
            f"letters {d.get('letters')} replayed edited, as event {d.get('replay_event_id')}"
        ),
    }.get(entry.action, lambda: _generic(entry))()
    if entry.action in _ERP:
        count = len(d.get("steps", []))
        text = f"{entry.operation} {count} × {entry.erp_model}: ids {_ids(entry.record_ids)}"
        text += f", attempt {entry.attempt}"
    person = f" — by {entry.actor}" if entry.actor != "plmsync" else ""
    payload = f" (payload {entry.payload_hash[:12]})" if entry.action.startswith("event.") else ""
    return text + payload + person


def _said(details: dict[str, object]) -> str:
    return f": {details['comment']}" if details.get("comment") else ""


def _healed(details: dict[str, object]) -> str:
    found = details.get("attributes")
    rows = found if isinstance(found, list) else []
    fixed = ", ".join(f"{kind} {key} {attribute}" for kind, key, attribute, *_ in rows)
    return f"drift healed: {fixed}"


def _approvals(details: dict[str, object]) -> str:
    approvals = details.get("approvals")
    if not isinstance(approvals, list) or not approvals:
        return ""
    return "; approved by " + ", ".join(f"{a['approver']} ({a['at'][:10]})" for a in approvals)


def _generic(entry: AuditEntry) -> str:
    shown = {k: v for k, v in entry.details.items() if k not in ("job", "event")}
    return "; ".join([entry.outcome, *(f"{k} {v}" for k, v in shown.items())]).strip("; ")


def job_line(report: JobReport) -> str:
    """One line per finished attempt, for `plmsync worker`."""
    job = report.job
    style = "green" if report.outcome in (Outcome.SUCCEEDED, Outcome.STAGED) else "yellow"
    if report.outcome is Outcome.DEAD:
        style = "bold red"
    reason = escape(report.reason.splitlines()[0]) if report.reason else ""
    return (
        f"{when(job.updated_at)} job {job.id} {job.change_number} @{job.plant} "
        f"[{style}]{report.outcome}[/]: {reason}"
    )


def received_line(name: str, received: Received) -> str:
    event = received.event
    if received.duplicate:
        return f"{name}: event {event.event_id} is a duplicate of inbox #{event.duplicate_of}"
    if event.status == EventStatus.REJECTED:
        return f"{name}: [red]rejected[/] ({event.error_code}), kept as a dead letter"
    plants = ", ".join(f"{j.plant} (effective {j.effective_from})" for j in received.jobs)
    return f"{name}: event {event.event_id} queued for {plants}"


def verify_message(entry: AuditEntry | None, total: int) -> str:
    if entry is None:
        return f"[green]Audit trail intact[/]: {total} entries, every hash matches its chain."
    return (
        f"[bold red]Audit trail broken[/] at entry {entry.sequence} "
        f"({entry.action}, {entry.change_number or 'no change'}, {when(entry.at)}): "
        "its hash does not match its content or the entry before it."
    )
