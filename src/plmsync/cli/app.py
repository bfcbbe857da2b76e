"""The `plmsync` command line (Typer + Rich)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from plmsync.bootstrap import build_pipeline, close_targets
from plmsync.cli import (
    api_commands,
    broker_commands,
    engine_commands,
    generate_command,
    governance_commands,
    import_command,
    plm_commands,
)
from plmsync.cli.catalogue_doc import catalogue_markdown
from plmsync.cli.common import EXIT_FAILED, ConfigOption, console, handled
from plmsync.cli.engine_commands import opened
from plmsync.cli.engine_sync import sync_file
from plmsync.cli.render import print_derivations, print_plan
from plmsync.config import DEFAULT_CONFIG, load_config
from plmsync.domain.package import ChangePackage
from plmsync.domain.rules import Rules
from plmsync.pipeline.fetch import read_package
from plmsync.pipeline.run import Pipeline
from plmsync.workspace import PlantSpec, init_workspace

app = typer.Typer(
    name="plmsync",
    help="Keep ERP in step with PLM: validate, plan and post released changes.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
PlantOption = Annotated[
    list[str] | None, typer.Option("--plant", "-p", help="Only this plant (repeatable).")
]


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="Workspace directory to create.")],
    plant: Annotated[
        list[str], typer.Option("--plant", "-p", help="Plant code, optionally CODE:REGION.")
    ],
) -> None:
    """Create a workspace: plmsync.yaml and an embedded Tryton ERP database per plant."""
    with handled():
        specs = [PlantSpec.parse(p) for p in plant]
        with console.status("Creating ERP databases (the first one builds a template)…"):
            path = init_workspace(
                directory, specs, on_plant=lambda c: console.print(f"  ERP database for {c} ready")
            )
        console.print(f"Workspace written to [bold]{path}[/]")


@app.command("plan")
def plan_command(
    package: Annotated[Path, typer.Argument(help="Change package (JSON).")],
    config: ConfigOption = DEFAULT_CONFIG,
    plant: PlantOption = None,
    all_steps: Annotated[bool, typer.Option("--all", help="Show unchanged objects too.")] = False,
) -> None:
    """Show what a sync would post, per plant, without writing anything."""
    with handled():
        _, parsed = read_package(package)
        with _pipeline(config) as pipeline:
            plans = pipeline.plan(parsed, plant or ())
            derived = pipeline.derivations(parsed, plant or ())
        for code, plan in plans.items():
            print_plan(console, plan, show_unchanged=all_steps)
            print_derivations(console, code, derived.get(code, []))


@app.command()
def sync(
    package: Annotated[Path, typer.Argument(help="Change package (JSON).")],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Sync a change package to every plant it names (exit 0 only if all synced or staged).

    The package is checked first (every problem listed, nothing stored or written), then
    queued durably and run to completion here, with a progress bar per plant."""
    with handled(), opened(config) as engine:
        synced = sync_file(engine, package, console)
    if not synced:
        raise typer.Exit(EXIT_FAILED)


@app.command()
def schema(
    rules: Annotated[
        bool, typer.Option("--rules", help="The schema of `rules:` in plmsync.yaml instead.")
    ] = False,
) -> None:
    """Print the JSON Schema of the change-package contract (v1), or of the rules."""
    model = Rules if rules else ChangePackage
    sys.stdout.write(json.dumps(model.model_json_schema(), indent=2) + "\n")


@app.command()
def catalogue() -> None:
    """Print every validation rule and error code as Markdown (docs/errors.md)."""
    sys.stdout.write(catalogue_markdown())


@app.command()
def demo(
    directory: Annotated[Path, typer.Option("--dir", help="Where to create the demo.")] = Path(
        "demo-workspace"
    ),
) -> None:
    """Create a two-plant workspace, sync a release, then an ECO; print plans and results."""
    from plmsync.cli.demo import run_demo

    with handled():
        run_demo(directory, console)


@contextmanager
def _pipeline(config: Path) -> Iterator[Pipeline]:
    pipeline = build_pipeline(load_config(config))
    try:
        yield pipeline
    finally:
        close_targets(dict(pipeline.targets))


engine_commands.register(app)  # worker, status, audit, activate, dead …
governance_commands.register(app)  # review, reconcile
api_commands.register(app)  # serve, openapi, clients …
broker_commands.register(app)  # consume, relay, outbox
app.add_typer(generate_command.generate_app)  # generate release|eco
app.command("import")(import_command.import_command)
plm_commands.register(app)  # poll, watch


def main() -> None:
    app()
