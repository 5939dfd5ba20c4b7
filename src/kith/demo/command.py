"""``kith demo`` — placeholder; the demo generator replaces this module."""

from __future__ import annotations

import typer


def demo() -> None:
    """Load the deterministic demo dataset."""
    typer.echo("error: the demo dataset is not built yet", err=True)
    raise typer.Exit(2)
