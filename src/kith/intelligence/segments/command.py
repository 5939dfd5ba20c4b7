"""``kith segments ...``: list, create from a JSON file, refresh and show members.

The command line is an administrative door (like ``kith model``): it acts as the
system of the workspace, so stored membership is tenant-wide and every member is
listed. Bad input exits with code 2 and the field path.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from kith.clikit import JsonFlag, TenantOpt, open_container
from kith.clikit import fail as _fail
from kith.clikit import fail_kith as _fail_kith
from kith.clikit import report as _report
from kith.core.errors import KithError

segments_app = typer.Typer(
    help="Saved segments: refreshable filters agents and campaigns use.", no_args_is_help=True
)


def _service(uow: Any, tenant: str) -> Any:
    from kith.access.repository import AccessRepository
    from kith.access.service import system_principal
    from kith.intelligence.segments.service import SegmentService

    workspace = AccessRepository(uow.session).tenant_by_slug(tenant)
    if workspace is None:
        _fail(f"--tenant: no workspace {tenant!r}; run 'kith init' first")
    return SegmentService(uow, system_principal(workspace.id, "kith segments"))


def _read_definition(path: Path) -> Any:
    from kith.intelligence.segments.schemas import SegmentIn

    if not path.is_file():
        _fail(f"--file: no such file: {path}")
    try:
        raw = json.loads(path.read_text(encoding="utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        _fail(f"--file: {path} is not JSON ({exc})")
    try:
        return SegmentIn.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        _fail(f"--file: {where}: {first['msg']}")


def _summary(segment: Any) -> dict[str, Any]:
    from kith.core.serialize import dumps
    from kith.intelligence.segments.schemas import segment_out

    out: dict[str, Any] = json.loads(dumps(segment_out(segment)))
    return out


@segments_app.command("list")
def list_segments(tenant: TenantOpt = "default", as_json: JsonFlag = False) -> None:
    """Every saved segment with its size and last refresh."""
    with open_container(migrated=True).uow() as uow:
        rows = [_summary(s) for s in _service(uow, tenant).all()]
    lines = [
        f"{r['name']:<24} {r['object_type']:<8} {r['member_count']:>7}  "
        f"{r['refresh_policy']:<7} {r['label_zh']} / {r['label_en']}"
        for r in rows
    ]
    _report(rows, as_json, "\n".join(lines) or "no segments")


@segments_app.command("create")
def create_segment(
    file: Annotated[Path, typer.Option("--file", help="The segment as JSON (see docs).")],
    tenant: TenantOpt = "default",
    refresh: Annotated[bool, typer.Option("--refresh", help="Compute members now.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Save a segment from a JSON file (name, labels, object_type, definition...)."""
    data = _read_definition(file)
    try:
        with open_container(migrated=True).uow() as uow:
            service = _service(uow, tenant)
            segment = service.create(data)
            if refresh:
                service.refresh_segment(segment, trigger="cli")
            out = _summary(segment)
            uow.commit()
    except KithError as exc:
        _fail_kith(exc)
    _report(out, as_json, f"saved segment {out['name']} ({out['member_count']} members)")


@segments_app.command("refresh")
def refresh_segments(
    segment: Annotated[str, typer.Argument(help="Segment id or name, or 'all'.")],
    tenant: TenantOpt = "default",
    as_json: JsonFlag = False,
) -> None:
    """Recompute membership, store the changes and emit the membership events."""
    try:
        with open_container(migrated=True).uow() as uow:
            service = _service(uow, tenant)
            chosen = service.all() if segment == "all" else [service.get(segment)]
            results = [vars(service.refresh_segment(s, trigger="cli")) for s in chosen]
            uow.commit()
    except KithError as exc:
        _fail_kith(exc)
    lines = [
        f"{r['name']:<24} +{r['added']} -{r['removed']} = {r['total']} ({r['seconds']:.2f}s)"
        for r in results
    ]
    _report(results, as_json, "\n".join(lines) or "no segments")


@segments_app.command("members")
def members(
    segment: Annotated[str, typer.Argument(help="Segment id or name.")],
    tenant: TenantOpt = "default",
    limit: Annotated[int, typer.Option("--limit", min=1, max=200)] = 50,
    cursor: Annotated[str | None, typer.Option("--cursor", help="From a previous page.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Stored members as of the last refresh, by record id."""
    from kith.core.serialize import dumps

    try:
        with open_container(migrated=True).uow() as uow:
            found, items, next_cursor = _service(uow, tenant).members(segment, limit, cursor)
            out = json.loads(
                dumps(
                    {
                        "segment_id": found.id,
                        "total": found.member_count,
                        "items": items,
                        "next_cursor": next_cursor,
                    }
                )
            )
    except KithError as exc:
        _fail_kith(exc)
    lines = [f"{i['record_id']}  {i['title'] or ''}" for i in out["items"]]
    if next_cursor:
        lines.append(f"more: --cursor {next_cursor}")
    _report(out, as_json, "\n".join(lines) or "no members")
