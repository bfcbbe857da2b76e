"""Rich tables for plans, issues and results: what a planner reads, not a dump."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from plmsync.domain.errors import PackageRejected, PlmsyncError, ValidationFailed
from plmsync.domain.issues import CATALOGUE, Issue
from plmsync.domain.plan import Action, LineChange, Plan, Step
from plmsync.pipeline.run import SyncReport

_ACTION_STYLE = {
    Action.CREATE: "green",
    Action.UPDATE: "yellow",
    Action.SUPERSEDE: "cyan",
    Action.RETIRE: "magenta",
    Action.UNCHANGED: "dim",
}
_STATUS_STYLE = {"synced": "green", "unchanged": "dim", "failed": "bold red"}


def issues_table(issues: Sequence[Issue]) -> Table:
    table = Table(title=f"{len(issues)} problem(s)", show_lines=False)
    for column in ("Severity", "Code", "Object", "Plant", "Problem", "What to do"):
        table.add_column(column, overflow="fold")
    for found in sorted(issues, key=lambda i: (not i.blocking, i.code, i.object_key)):
        style = "red" if found.blocking else "yellow"
        table.add_row(
            f"[{style}]{found.severity}[/]",
            found.code,
            f"{found.object_kind} {found.object_key}",
            found.plant or "-",
            found.message,
            CATALOGUE[found.code].remedy,
        )
    return table


def plan_table(plan: Plan, *, show_unchanged: bool = False) -> Table:
    counts = ", ".join(f"{plan.count(a)} {a}" for a in Action if plan.count(a))
    table = Table(title=f"Plan for {plan.change} in plant {plan.plant} ({counts or 'empty'})")
    for column in ("#", "Object", "Key", "Action", "Revision", "What changes"):
        table.add_column(column, overflow="fold")
    shown = plan.steps if show_unchanged else plan.actionable
    for number, step in enumerate(shown, start=1):
        style = _ACTION_STYLE[step.action]
        table.add_row(
            str(number),
            str(step.kind),
            step.key,
            f"[{style}]{step.action}[/]",
            _revision(step),
            _details(step),
        )
    return table


def _revision(step: Step) -> str:
    before = getattr(step.current, "revision", None)
    after = getattr(step.desired, "revision", None)
    if before and after and before != after:
        return f"{before} → {after}"
    return str(after or before or "")


def _details(step: Step) -> str:
    if step.line_changes and step.action is not Action.CREATE:
        return "; ".join(_line_change(c) for c in step.line_changes)
    if step.action is Action.CREATE and step.line_changes:
        return f"{len(step.line_changes)} line(s)"
    return ", ".join(f for f in step.changed_fields if f != "revision")


def _line_change(change: LineChange) -> str:
    before, after = change.before, change.after
    if change.change == "added" and after:
        return f"+{change.find_number} {after.component} × {after.quantity} {after.uom}"
    if change.change == "removed" and before:
        return f"-{change.find_number} {before.component}"
    if before and after:
        swapped = before.component != after.component
        parts = [f"{before.component}→{after.component}"] if swapped else []
        if before.quantity != after.quantity:
            parts.append(f"qty {before.quantity}→{after.quantity}")
        if before.reference_designators != after.reference_designators:
            parts.append("designators")
        return f"~{change.find_number} " + (" ".join(parts) or after.component)
    return str(change.find_number)


def report_table(report: SyncReport) -> Table:
    table = Table(title=f"Result of {report.change}")
    for column in ("Plant", "Status", "Created", "Updated", "Superseded", "Retired", "Unchanged",
                   "Problem"):
        table.add_column(column, overflow="fold")
    for result in report.plants:
        plan = result.plan
        style = _STATUS_STYLE[result.status]
        problem = f"{result.error.code}: {result.error.message}" if result.error else ""
        table.add_row(
            result.plant,
            f"[{style}]{result.status}[/]",
            *(str(plan.count(a)) for a in (Action.CREATE, Action.UPDATE, Action.SUPERSEDE,
                                           Action.RETIRE, Action.UNCHANGED)),
            problem,
        )
    return table


def print_error(console: Console, error: PlmsyncError) -> None:
    """An error a user can act on: its code, what happened, and what to do next."""
    if isinstance(error, ValidationFailed):
        console.print(issues_table(error.issues))
    console.print(f"[bold red]Error[/] [{error.code}] {error.message}", highlight=False)
    if isinstance(error, PackageRejected):
        for problem in error.problems:
            console.print(f"  - {problem}", highlight=False)
    if error.remedy:
        console.print(f"[bold]What to do:[/] {error.remedy}", highlight=False)
