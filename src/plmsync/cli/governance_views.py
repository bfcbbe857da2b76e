"""Rich views of governance: review tasks (what, why, who, the per-plant diff) and drift."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.table import Table

from plmsync.cli.engine_views import when
from plmsync.engine.reconcile import Handling, PlantDrift
from plmsync.ports.reviews import ReviewStatus, ReviewTask

_STATUS_STYLE = {
    ReviewStatus.OPEN: "magenta",
    ReviewStatus.APPROVED: "green",
    ReviewStatus.REJECTED: "red",
}
_HANDLING_STYLE = {
    Handling.REPORTED: "yellow",
    Handling.HEALED: "green",
    Handling.POSTPONED: "yellow",
    Handling.REVIEW_OPEN: "magenta",
    Handling.KEPT: "dim",
}


def reviews_table(tasks: Sequence[ReviewTask]) -> Table:
    table = Table(title=f"{len(tasks)} review task(s)")
    for column in ("ID", "Change", "Plant", "Owner", "Status", "Created"):
        table.add_column(column, no_wrap=True)
    table.add_column("Why", overflow="fold")
    for task in tasks:
        table.add_row(
            str(task.id),
            task.change_number,
            task.plant,
            task.owner_role,
            _status(task.status),
            when(task.created_at),
            escape(task.reason),
        )
    return table


def review_view(task: ReviewTask) -> Group:
    """What (change, plant), why (each hit or drift), who (owner), and the diff to post."""
    parts: list[RenderableType] = [_facts(task)]
    if hits := _listed(task, "hits"):
        parts.append(_hits_table(hits))
    if drift := _listed(task, "drift"):
        parts.append(_drift_rows(drift))
    if "diff" in task.details:
        parts.append(_diff_table(task, _listed(task, "diff")))
    return Group(*parts)


def _listed(task: ReviewTask, name: str) -> list[dict[str, Any]]:
    found = task.details.get(name)
    return found if isinstance(found, list) else []


def _facts(task: ReviewTask) -> Table:
    facts = Table.grid(padding=(0, 2))
    decided = f"{when(task.decided_at)} by {task.decided_by}" if task.decided_by else ""
    for name, value in (
        ("Review task", f"{task.id} ({_status(task.status)})"),
        ("Change", task.change_number),
        ("Plant", task.plant),
        ("Job", str(task.job)),
        ("Kind", str(task.details.get("kind", ""))),
        ("Owner", task.owner_role),
        ("Created", when(task.created_at)),
        ("Decided", decided),
        ("Comment", escape(task.comment)),
    ):
        facts.add_row(f"[bold]{name}[/]", value)
    return facts


def _hits_table(hits: list[dict[str, Any]]) -> Table:
    table = Table(title="Why it waits")
    for column in ("Checkpoint", "Owner"):
        table.add_column(column, no_wrap=True)
    table.add_column("Reason", overflow="fold")
    table.add_column("Values", overflow="fold")
    for hit in hits:
        values = "\n".join(f"{k}: {v}" for k, v in hit.get("values", {}).items())
        table.add_row(hit["rule"], hit["owner_role"], escape(hit["reason"]), escape(values))
    return table


def _drift_rows(drift: list[dict[str, Any]]) -> Table:
    table = Table(title="Edited in ERP")
    for column in ("Object", "Attribute", "Synced (PLM)", "In ERP"):
        table.add_column(column, overflow="fold")
    for d in drift:
        table.add_row(
            f"{d['kind']} {d['key']}", d["attribute"], escape(d["synced"]), escape(d["in_erp"])
        )
    return table


def _diff_table(task: ReviewTask, steps: list[dict[str, Any]]) -> Table:
    table = Table(title=f"What approval posts to {task.plant} ({len(steps)} step(s))")
    for column in ("Object", "Action", "Revision"):
        table.add_column(column, no_wrap=True)
    table.add_column("Changes", overflow="fold")
    for step in steps:
        table.add_row(
            f"{step['kind']} {step['key']}",
            step["action"],
            step["revision"],
            escape(", ".join(step.get("changed_fields", ())) or _created(step)),
        )
    return table


def _created(step: dict[str, Any]) -> str:
    return "new" if step.get("action") == "create" else ""


def drift_table(plants: Sequence[PlantDrift]) -> Table:
    found = sum(len(p.findings) for p in plants)
    compared = sum(p.compared for p in plants)
    table = Table(title=f"Drift: {found} attribute(s) on {compared} synced object(s)")
    for column in ("Plant", "Object", "Attribute"):
        table.add_column(column, no_wrap=True)
    for column in ("Synced (by change)", "In ERP"):
        table.add_column(column, overflow="fold")
    table.add_column("Done", no_wrap=True)
    for row in _drift_rows_of(plants):
        table.add_row(*row)
    return table


def _drift_rows_of(plants: Sequence[PlantDrift]) -> Iterator[tuple[str, ...]]:
    for plant in plants:
        for f in plant.findings:
            d = f.drift
            review = f" (task {f.review})" if f.review is not None else ""
            style = _HANDLING_STYLE.get(f.handling, "white")
            yield (
                plant.plant,
                f"{d.kind} {d.key}",
                d.attribute,
                f"{escape(d.synced)} [dim]({f.change})[/]",
                escape(d.in_erp),
                f"[{style}]{f.handling}[/]{review}",
            )


def _status(status: ReviewStatus) -> str:
    return f"[{_STATUS_STYLE[status]}]{status.value}[/]"
