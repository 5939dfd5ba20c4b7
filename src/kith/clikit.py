"""What every bounded context's CLI module shares: the ``--json`` and ``--tenant``
options, failing with exit code 2 and a message, reporting as text or JSON, and the
container (migrated for commands that may be the first to touch the database).

Imports of the application stay inside ``container`` so that ``kith --help`` does
not load FastAPI and every context.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from kith.core.errors import KithError

if TYPE_CHECKING:
    from kith.api.deps import Container

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
TenantOpt = Annotated[str, typer.Option("--tenant", help="Workspace slug.")]


def fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def fail_kith(exc: KithError) -> NoReturn:
    """A domain error as the CLI shows it: the detail, then each field path and message."""
    lines = [exc.detail] + [f"  {'.'.join(map(str, e.path))}: {e.message}" for e in exc.errors]
    fail("\n".join(lines))


def report(data: Any, as_json: bool, human: str) -> None:
    from kith.api.responses import dumps

    if as_json:
        sys.stdout.write(dumps(data).decode() + "\n")
    else:
        typer.echo(human)


def open_container(migrated: bool = False) -> Container:
    from kith.api.app import build_container
    from kith.core.settings import get_settings

    built = build_container(get_settings())
    if migrated:
        from kith.bootstrap import migrate

        migrate(built)
    return built
