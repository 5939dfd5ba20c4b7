"""``kith audit verify`` and ``kith audit export``.

``verify`` walks each tenant's hash chain and exits 1 naming the first entry that
was altered, removed or re-linked; ``export`` writes the log (with its hashes, so an
auditor can re-verify offline) as JSON Lines.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from sqlalchemy import select

from kith.access.models import Tenant
from kith.access.repository import AccessRepository
from kith.api.deps import Container
from kith.api.responses import dumps
from kith.audit.chain import GENESIS, canonical_time, verify
from kith.audit.models import AuditChainHead, AuditEntry
from kith.core.settings import get_settings
from kith.db.uow import UnitOfWork
from kith.events.types import Actor

audit_app = typer.Typer(help="Check and export the tamper-evident audit log.", no_args_is_help=True)

TenantOpt = Annotated[
    str | None, typer.Option("--tenant", help="Workspace slug (default: every workspace).")
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def _container() -> Container:
    from kith.api.app import build_container

    return build_container(get_settings())


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _tenant_id(uow: UnitOfWork, slug: str | None) -> str | None:
    if slug is None:
        return None
    tenant = AccessRepository(uow.session).tenant_by_slug(slug)
    if tenant is None:
        _fail(f"no workspace {slug!r}")
    return tenant.id


@audit_app.command("verify")
def verify_command(tenant: TenantOpt = None, as_json: JsonFlag = False) -> None:
    """Check the hash chain; exit 1 naming the first broken entry."""
    with _container().uow() as uow:
        report = verify(uow.session, _tenant_id(uow, tenant))
    data: dict[str, Any] = {
        "ok": report.ok,
        "entries": report.entries,
        "tenants": report.tenants,
        "first_break": None,
    }
    if report.first_break is not None:
        b = report.first_break
        data["first_break"] = {
            "tenant_id": b.tenant_id,
            "seq": b.seq,
            "entry_id": b.entry_id,
            "problem": b.problem,
        }
    if as_json:
        sys.stdout.write(dumps(data).decode() + "\n")
    elif report.first_break is None:
        typer.echo(f"audit chain intact: {report.entries} entries in {report.tenants} workspace(s)")
    else:
        typer.echo(f"audit chain BROKEN at {report.first_break.describe()}", err=True)
    if report.first_break is not None:
        raise typer.Exit(1)


def _row(entry: AuditEntry) -> dict[str, Any]:
    return {
        "tenant_id": entry.tenant_id,
        "seq": entry.seq,
        "id": entry.id,
        "at": canonical_time(entry.at),
        "actor_kind": entry.actor_kind,
        "actor_id": entry.actor_id,
        "action": entry.action,
        "object_type": entry.object_type,
        "record_id": entry.record_id,
        "detail": entry.detail,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


@audit_app.command("export")
def export_command(
    out: Annotated[Path, typer.Option("--out", help="File to write (JSON Lines).")],
    tenant: TenantOpt = None,
) -> None:
    """Export the log with its chain (one JSON object per line, oldest first); the
    first line describes the export and the chain heads."""
    with _container().uow() as uow:
        tenant_id = _tenant_id(uow, tenant)
        heads_q = select(AuditChainHead)
        entries_q = select(AuditEntry).order_by(AuditEntry.tenant_id, AuditEntry.seq)
        if tenant_id is not None:
            heads_q = heads_q.where(AuditChainHead.tenant_id == tenant_id)
            entries_q = entries_q.where(AuditEntry.tenant_id == tenant_id)
        heads = {h.tenant_id: {"seq": h.seq, "hash": h.hash} for h in uow.session.scalars(heads_q)}
        count = 0
        with out.open("w", encoding="utf-8") as fh:
            header = {
                "kind": "kith.audit_export",
                "hash": "sha256 over [prev_hash, tenant_id, seq, id, at, actor_kind, actor_id, "
                "action, object_type, record_id, detail] as sorted compact JSON",
                "genesis": GENESIS,
                "heads": heads,
            }
            fh.write(json.dumps(header, ensure_ascii=False) + "\n")
            for entry in uow.session.execute(entries_q.execution_options(yield_per=2000)).scalars():
                fh.write(json.dumps(_row(entry), ensure_ascii=False, default=str) + "\n")
                count += 1
        # The export itself is an audited action, in every workspace it covered.
        tenants = [tenant_id] if tenant_id else list(uow.session.scalars(select(Tenant.id)))
        for audited_tenant in sorted(tenants):
            uow.audit(
                audited_tenant, Actor.system(), "audit.exported", file=out.name, entries=count
            )
        uow.commit()
    typer.echo(f"wrote {count} audit entries to {out}")
