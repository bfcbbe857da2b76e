"""Plan, post and show a sync in the terminal: plans as tables, a progress bar per plant."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from plmsync.cli.render import issues_table, print_plan, report_table
from plmsync.domain.package import ChangePackage
from plmsync.pipeline.run import Pipeline, SyncReport

console = Console()


def run_sync(pipeline: Pipeline, package: ChangePackage, plants: Sequence[str]) -> SyncReport:
    """Plan, show the plans, post them with a progress bar per plant, show the result."""
    plans = pipeline.plan(package, plants)
    for plan in plans.values():
        print_plan(console, plan)
    if all(plan.is_empty for plan in plans.values()):
        report = pipeline.post(package, plans)
        console.print(report_table(report))
        return report
    with _progress() as progress:
        tasks = {p: progress.add_task(p, total=len(plan.actionable)) for p, plan in plans.items()}

        def advance(plant: str, posted: int) -> None:
            progress.advance(tasks[plant], posted)

        report = pipeline.post(package, plans, on_progress=advance)
    if report.warnings:
        console.print(issues_table(report.warnings))
    console.print(report_table(report))
    return report


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )
