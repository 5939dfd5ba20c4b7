"""``kith events ...`` and ``kith worker`` (placeholders until the agent-runtime issue)."""

from __future__ import annotations

import typer

events_app = typer.Typer(help="Inspect, send and replay events.", no_args_is_help=True)


def worker() -> None:
    """Run relay and consumers against the configured bus (scale-out mode)."""
    typer.echo("error: workers are not built yet", err=True)
    raise typer.Exit(2)
