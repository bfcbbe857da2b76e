"""What every command shares: consoles, the --config option, exit codes, error handling."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from plmsync.cli.render import print_error
from plmsync.domain.errors import PlmsyncError, ValidationFailed

console = Console()
err_console = Console(stderr=True)

ConfigOption = Annotated[
    Path, typer.Option("--config", "-c", help="Workspace file.", show_default=True)
]
EXIT_INVALID = 2
EXIT_FAILED = 1
EXIT_INTERNAL = 70


@contextmanager
def handled() -> Iterator[None]:
    """Turn errors into a message with a code and a remedy; never a stack trace."""
    try:
        yield
    except PlmsyncError as error:
        print_error(err_console, error)
        code = EXIT_INVALID if isinstance(error, ValidationFailed) else EXIT_FAILED
        raise typer.Exit(code) from None
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except Exception as error:
        if os.environ.get("PLMSYNC_DEBUG"):
            raise
        err_console.print(f"[bold red]Internal error[/] {type(error).__name__}: {error}")
        err_console.print("[bold]What to do:[/] run again with PLMSYNC_DEBUG=1 and report it.")
        raise typer.Exit(EXIT_INTERNAL) from None
