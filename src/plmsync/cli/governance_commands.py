"""Governance commands: review tasks (list, show, approve, reject) and drift reconciliation.

plmsync review list [--all]          open tasks (every task with --all)
plmsync review show ID               what, why, who, and the per-plant diff
plmsync review approve ID [--comment TEXT] [--run]
plmsync review reject ID --reason TEXT
plmsync reconcile [--plant P] [--heal]
"""

from __future__ import annotations

from typing import Annotated

import typer

from plmsync.cli import governance_views as views
from plmsync.cli.common import EXIT_FAILED, ConfigOption, console, handled
from plmsync.cli.engine_commands import ByOption, opened, run_jobs, user
from plmsync.config import DEFAULT_CONFIG
from plmsync.engine.reconcile import Handling
from plmsync.ports.reviews import ReviewStatus

review_app = typer.Typer(
    name="review",
    help="Review tasks: changes a checkpoint holds, drift a person decides on.",
    no_args_is_help=True,
)
TaskArgument = Annotated[int, typer.Argument(help="Review task id.")]
# Drift left as the ERP has it, though PLM owns it: reconcile exits 1 while any remains.
_UNRESOLVED = {Handling.REPORTED, Handling.POSTPONED}


@review_app.command("list")
def review_list(
    config: ConfigOption = DEFAULT_CONFIG,
    every: Annotated[bool, typer.Option("--all", help="Decided tasks too.")] = False,
) -> None:
    """Open review tasks: change, plant, who decides, and why it waits."""
    with handled(), opened(config) as engine:
        tasks = engine.reviews.tasks(status=None if every else ReviewStatus.OPEN)
        console.print(views.reviews_table(tasks))


@review_app.command("show")
def review_show(task: TaskArgument, config: ConfigOption = DEFAULT_CONFIG) -> None:
    """One task: the change and plant, each checkpoint hit with its values, the owner role,
    and the steps approval would post."""
    with handled(), opened(config) as engine:
        console.print(views.review_view(engine.reviews.task(task)))


@review_app.command("approve")
def review_approve(
    task: TaskArgument,
    config: ConfigOption = DEFAULT_CONFIG,
    comment: Annotated[str, typer.Option("--comment", help="Why (kept and audited).")] = "",
    by: ByOption = None,
    run: Annotated[bool, typer.Option("--run", help="Post it here, now.")] = False,
) -> None:
    """Approve: the held change goes back to the queue and posts without stopping at the
    checkpoints this task showed (a drift task: the next `reconcile --heal` restores PLM's
    value)."""
    with handled(), opened(config) as engine:
        decided = engine.reviews.approve(task, by=by or user(), comment=comment)
        console.print(f"Review task {decided.id} approved by {decided.decided_by}.")
        if decided.details.get("kind") == "checkpoint":
            console.print(
                f"Job {decided.job} ({decided.change_number} @{decided.plant}) is queued."
            )
            run_jobs(engine, [decided.job], run)


@review_app.command("reject")
def review_reject(
    task: TaskArgument,
    reason: Annotated[str, typer.Option("--reason", help="Why (kept and audited).")],
    config: ConfigOption = DEFAULT_CONFIG,
    by: ByOption = None,
) -> None:
    """Reject: the held change is cancelled for that plant, nothing is posted (a drift task:
    the ERP's value stays)."""
    with handled(), opened(config) as engine:
        decided = engine.reviews.reject(task, by=by or user(), comment=reason)
        console.print(f"Review task {decided.id} rejected by {decided.decided_by}: {reason}")


def reconcile(
    config: ConfigOption = DEFAULT_CONFIG,
    plant: Annotated[
        list[str] | None, typer.Option("--plant", "-p", help="Only this plant (repeatable).")
    ] = None,
    heal: Annotated[
        bool, typer.Option("--heal", help="Put PLM-owned attributes back (audited).")
    ] = False,
) -> None:
    """Compare what plmsync last synced with live ERP, per object and attribute.

    ERP-owned attributes are never compared or touched. Drift on an attribute whose policy is
    `review` opens a review task instead of healing. Exits 1 while PLM-owned drift remains."""
    with handled(), opened(config) as engine:
        found = engine.reconcile(plant or (), heal=heal, actor=user())
        console.print(views.drift_table(found))
    if any(f.handling in _UNRESOLVED for p in found for f in p.findings):
        if not heal:
            console.print("Run `plmsync reconcile --heal` to put PLM's values back.")
        raise typer.Exit(EXIT_FAILED)


def register(app: typer.Typer) -> None:
    app.add_typer(review_app)
    app.command()(reconcile)
