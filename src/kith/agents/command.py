"""``kith agents ...`` (placeholder)."""

from __future__ import annotations

import typer

agents_app = typer.Typer(help="List, pause and resume agents.", no_args_is_help=True)
