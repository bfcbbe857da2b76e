"""Rich tables for plans, issues and results: what a planner reads, not a dump."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from plmsync.domain.errors import PackageRejected, PlmsyncError, ValidationFailed
from plmsync.domain.issues import CATALOGUE, Issue
from plmsync.domain.plan import Action, LineChange, Plan, Step
from plmsync.pipeline.plant_rules import Derivation
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
    """One row per problem: its code (red for errors, yellow for warnings), the object it
    concerns, and what happened with what to do next underneath."""
    errors = sum(1 for i in issues if i.blocking)
    table = Table(title=f"{errors} error(s), {len(issues) - errors} warning(s)")
    # Codes and object keys never wrap: people grep and copy them.
    table.add_column("Code", no_wrap=True)
    table.add_column("Object", no_wrap=True)
    table.add_column("Problem → what to do", overflow="fold", min_width=24)
    for found in sorted(issues, key=lambda i: (not i.blocking, i.code, i.object_key)):
        style = "red" if found.blocking else "yellow"
        where = f"{found.object_kind} {found.object_key}"
        table.add_row(
            f"[{style}]{found.code}[/]",
            f"{where} @{found.plant}" if found.plant else where,
            f"{found.message}\n[dim]→ {CATALOGUE[found.code].remedy}[/]",
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


def print_plan(console: Console, plan: Plan, *, show_unchanged: bool = False) -> None:
    if plan.is_empty and not show_unchanged:
        console.print(
            f"[dim]{plan.plant}: ERP already matches {plan.change} "
            f"({len(plan.steps)} objects unchanged); nothing to post.[/]"
        )
        return
    console.print(plan_table(plan, show_unchanged=show_unchanged))


def derivations_table(plant: str, derivations: Sequence[Derivation]) -> Table:
    """How a plant's rules made its view differ from the engineering BOM: what changed, and
    underneath, the rule (as configured in plmsync.yaml) that changed it."""
    table = Table(title=f"Derived for plant {plant} ({len(derivations)} difference(s))")
    table.add_column("Kind", no_wrap=True)
    table.add_column("Object", no_wrap=True)
    table.add_column("What ← rule", overflow="fold", min_width=24)
    for d in derivations:
        table.add_row(str(d.kind), d.key, f"{d.description}\n[dim]← {d.rule}[/]")
    return table


def print_derivations(console: Console, plant: str, derivations: Sequence[Derivation]) -> None:
    if derivations:
        console.print(derivations_table(plant, derivations))


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
    fields = [f for f in step.changed_fields if f != "revision"]
    return ", ".join(fields) if fields else ("new revision" if step.changed_fields else "")


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


_COUNTED = (Action.CREATE, Action.UPDATE, Action.SUPERSEDE, Action.RETIRE, Action.UNCHANGED)


def report_table(report: SyncReport) -> Table:
    """Per plant: its status and how many objects each action touched; problems only if any."""
    failed = any(result.error for result in report.plants)
    table = Table(title=f"Result of {report.change}")
    table.add_column("Plant", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    for action in _COUNTED:
        table.add_column(str(action), justify="right", no_wrap=True)
    if failed:
        table.add_column("Problem", overflow="fold")
    for result in report.plants:
        style = _STATUS_STYLE[result.status]
        counts = [str(result.plan.count(a)) for a in _COUNTED]
        problem = [f"{result.error.code}: {result.error.message}"] if result.error else []
        table.add_row(
            result.plant,
            f"[{style}]{result.status}[/]",
            *counts,
            *(problem or ([""] if failed else [])),
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
