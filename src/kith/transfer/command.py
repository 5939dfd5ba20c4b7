"""``kith import`` / ``kith export`` — placeholders; the transfer package replaces them."""

from __future__ import annotations

import typer


def import_command() -> None:
    """Import records from CSV or JSON Lines."""
    typer.echo("error: import is not built yet", err=True)
    raise typer.Exit(2)


def export_command() -> None:
    """Export records to CSV or JSON Lines."""
    typer.echo("error: export is not built yet", err=True)
    raise typer.Exit(2)
