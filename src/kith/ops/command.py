"""``kith backup FILE`` and ``kith restore FILE`` for the configured database.

Progress goes to stderr, the result to stdout (text or ``--json``). Bad input
(a missing or foreign file, a non-empty target without ``--force``, a missing
``pg_dump``) exits 2 with a message; a restore whose audit chain does not verify
exits 1.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from kith.clikit import JsonFlag, fail, fail_kith, report
from kith.core.errors import KithError

ForceFlag = Annotated[bool, typer.Option("--force", help="Overwrite an existing target.")]
QuietFlag = Annotated[bool, typer.Option("--quiet", "-q", help="No progress lines on stderr.")]


def _progress(quiet: bool) -> Callable[[str], None]:
    def show(line: str) -> None:
        if not quiet:
            typer.echo(line, err=True)

    return show


def _database_url() -> str:
    from kith.core.settings import get_settings

    settings = get_settings()
    if settings.database_url is None:
        settings.home.mkdir(parents=True, exist_ok=True)
    return settings.effective_database_url


def backup_command(
    file: Annotated[Path, typer.Argument(help="Backup file to write.", show_default=False)],
    force: ForceFlag = False,
    quiet: QuietFlag = False,
    as_json: JsonFlag = False,
) -> None:
    """Back up the database to FILE (SQLite: online backup API; PostgreSQL: pg_dump -Fc);
    consistent while the server runs."""
    from kith.ops import service

    try:
        result = service.backup(_database_url(), file, force=force, progress=_progress(quiet))
    except KithError as exc:
        fail_kith(exc)
    report(
        result.as_dict(),
        as_json,
        f"backed up {result.backend} database to {result.path} ({result.bytes} bytes)",
    )


def restore_command(
    file: Annotated[Path, typer.Argument(help="Backup file to restore.", show_default=False)],
    force: Annotated[
        bool, typer.Option("--force", help="Replace the content of a non-empty database.")
    ] = False,
    quiet: QuietFlag = False,
    as_json: JsonFlag = False,
) -> None:
    """Restore FILE into the configured database, migrate it if it is older, and verify
    the audit chain (exit 1 if it does not verify)."""
    from kith.ops import service

    try:
        result = service.restore(_database_url(), file, force=force, progress=_progress(quiet))
    except service.RestoredChainBroken as exc:
        if as_json:
            report(exc.result.as_dict() | {"error": exc.detail}, as_json, "")
        fail(exc.detail, code=1)
    except KithError as exc:
        fail_kith(exc)
    audit = (
        f"audit chain intact: {result.audit_entries} entries in {result.audit_tenants} workspace(s)"
    )
    migrated = " (migrated to this Kith's schema)" if result.migrated else ""
    report(
        result.as_dict(),
        as_json,
        f"restored {result.path} into {result.database}{migrated}\n{audit}",
    )
