"""``kith approvals ...`` and ``kith decisions ...`` (placeholders)."""

from __future__ import annotations

import typer

approvals_app = typer.Typer(help="Review approval requests.", no_args_is_help=True)
decisions_app = typer.Typer(help="Read decision records.", no_args_is_help=True)
