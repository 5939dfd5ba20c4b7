"""``kith import`` and ``kith export`` (``kith.cli`` registers these two functions).

Exit codes of ``kith import``: 0 when every row was accepted; 1 when some rows
were rejected (the valid rows are saved and the rejected ones are in the
rejects file), so a script cannot mistake a partial import for a full one; 2
for input that cannot be imported at all, with ``error: ...`` on stderr.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from kith.access.principal import Principal
from kith.clikit import TenantOpt, open_container
from kith.clikit import fail as _fail
from kith.clikit import report as _report
from kith.db.uow import UnitOfWork
from kith.transfer.acting import acting_principal, object_spec
from kith.transfer.errors import UnusableInput
from kith.transfer.exporter import DEFAULT_PAGE_SIZE, ExportSummary, export_file
from kith.transfer.formats import DEFAULT_ENCODING, detect_format
from kith.transfer.importer import ImportOptions, ImportSummary, OnDuplicate, import_file
from kith.transfer.mapping import load_mapping
from kith.transfer.progress import progress_bar

ObjectArg = Annotated[
    str, typer.Argument(help="Object type or its plural, e.g. contacts.", show_default=False)
]
FormatOpt = Annotated[
    str | None, typer.Option("--format", help="csv or jsonl (default: from the file extension).")
]
AsOpt = Annotated[
    str | None,
    typer.Option("--as", help="Email of the acting user (default: the workspace's first admin)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print a machine-readable summary.")]


def import_command(
    object_type: ObjectArg,
    file: Annotated[Path, typer.Argument(help="CSV or JSON Lines file.", show_default=False)],
    file_format: FormatOpt = None,
    mapping: Annotated[
        Path | None,
        typer.Option(help='JSON {"source column": "field"}; custom.<name> or null to skip.'),
    ] = None,
    batch_size: Annotated[
        int, typer.Option(min=1, max=10_000, help="Rows written and committed together.")
    ] = 1000,
    acting_as: AsOpt = None,
    tenant: TenantOpt = "default",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Validate and report; save nothing.")
    ] = False,
    encoding: Annotated[
        str, typer.Option(help="Text encoding of the file, e.g. gb18030.")
    ] = DEFAULT_ENCODING,
    on_duplicate: Annotated[
        OnDuplicate,
        typer.Option(
            help="Contacts and leads likely the same as a known person or an earlier row: "
            "create, flag (create and report), link (create and attach to the person), "
            "skip (do not write those above the match threshold)."
        ),
    ] = "create",
    as_json: JsonOpt = False,
) -> None:
    """Import records from CSV or JSON Lines; re-running a file updates instead of duplicating.

    Rows match existing records by id, then external_id, then email (contacts,
    leads), sku (products) or number (orders). Rejected rows are written with
    their line numbers and reasons next to the file (contacts.csv ->
    contacts.rejected.csv); empty cells leave fields unchanged.
    Exit code 0: all rows accepted; 1: some rows rejected; 2: unusable input.
    """
    try:
        spec = object_spec(object_type)
        options = ImportOptions(
            fmt=detect_format(file, file_format),
            mapping=load_mapping(mapping),
            batch_size=batch_size,
            dry_run=dry_run,
            encoding=encoding,
            on_duplicate=on_duplicate,
        )
        with _unit_of_work() as uow, progress_bar(f"import {spec.plural}") as bar:
            principal = _principal(uow.session, tenant, acting_as)
            summary = import_file(uow, principal, spec, file, options, bar)
    except UnusableInput as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"{exc.filename or file}: {exc.strerror}")
    _report(summary.as_dict(), as_json, _import_text(spec.plural, summary))
    if summary.rejected:
        where = summary.rejected_file
        typer.echo(f"{summary.rejected} rows rejected; reasons in {where}", err=True)
        raise typer.Exit(1)


def export_command(
    object_type: ObjectArg,
    file: Annotated[Path, typer.Argument(help="File to write.", show_default=False)],
    file_format: FormatOpt = None,
    filters: Annotated[
        list[str] | None,
        typer.Option("--filter", help="field:op:value, repeatable (as the API's filter=)."),
    ] = None,
    acting_as: AsOpt = None,
    tenant: TenantOpt = "default",
    page_size: Annotated[
        int, typer.Option(min=1, max=10_000, help="Records read per query.")
    ] = DEFAULT_PAGE_SIZE,
    as_json: JsonOpt = False,
) -> None:
    """Export the records the acting user may read, without the fields their role hides."""
    try:
        spec = object_spec(object_type)
        fmt = detect_format(file, file_format)
        with _unit_of_work() as uow, progress_bar(f"export {spec.plural}") as bar:
            principal = _principal(uow.session, tenant, acting_as)
            summary = export_file(
                uow, principal, spec, file, fmt, filters or [], page_size, progress=bar
            )
    except UnusableInput as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"cannot write {file}: {exc.strerror}")
    _report(summary.as_dict(), as_json, _export_text(spec.plural, summary))


@contextmanager
def _unit_of_work() -> Iterator[UnitOfWork]:
    container = open_container()
    try:
        with container.uow() as uow:
            yield uow
    finally:
        container.engine.dispose()


def _principal(session: Session, tenant: str, email: str | None) -> Principal:
    try:
        return acting_principal(session, tenant, email)
    except SQLAlchemyError as exc:
        raise UnusableInput(
            f"cannot read the workspace ({type(exc).__name__}); run 'kith init' first"
        ) from None


def _import_text(plural: str, summary: ImportSummary) -> str:
    text = (
        f"{plural}: {summary.created} created, {summary.updated} updated, "
        f"{summary.unchanged} unchanged, {summary.rejected} rejected "
        f"({summary.rows} rows in {summary.seconds:.1f} s, {summary.rows_per_second:.0f} rows/s)"
    )
    if summary.rejected_file:
        text += f"\nrejected rows: {summary.rejected_file}"
    if summary.dry_run:
        text += "\ndry run: nothing was saved"
    return text


def _export_text(plural: str, summary: ExportSummary) -> str:
    return f"{plural}: {summary.rows} exported to {summary.file} in {summary.seconds:.1f} s"
