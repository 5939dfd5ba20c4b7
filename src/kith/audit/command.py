"""``kith audit verify``, ``kith audit export`` and ``kith audit prune``.

``verify`` walks each tenant's hash chain and exits 1 naming the first entry that
was altered, removed or re-linked; ``export`` writes the log (with its hashes, so an
auditor can re-verify offline) as JSON Lines; ``prune`` deletes entries older than
the retention (``KITH_AUDIT_RETENTION_DAYS``), leaving an anchor the chain starts from.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import select

from kith.access.models import Tenant
from kith.access.repository import AccessRepository
from kith.audit.chain import GENESIS, canonical_time, latest_anchors, verify
from kith.audit.models import AuditChainAnchor, AuditChainHead, AuditEntry
from kith.audit.retention import ChainBroken, PruneResult, checked_before, prune
from kith.clikit import JsonFlag, open_container
from kith.clikit import fail as _fail
from kith.core.clock import utcnow
from kith.core.errors import ValidationFailed
from kith.core.serialize import dumps
from kith.core.settings import get_settings
from kith.db.uow import UnitOfWork
from kith.events.types import Actor

audit_app = typer.Typer(help="Check and export the tamper-evident audit log.", no_args_is_help=True)

TenantOpt = Annotated[
    str | None, typer.Option("--tenant", help="Workspace slug (default: every workspace).")
]


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
    with open_container().uow() as uow:
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
        for tenant_id, through in sorted(report.anchored.items()):
            typer.echo(f"  {tenant_id}: starts after the retention anchor at #{through}")
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
    with open_container().uow() as uow:
        tenant_id = _tenant_id(uow, tenant)
        heads_q = select(AuditChainHead)
        entries_q = select(AuditEntry).order_by(AuditEntry.tenant_id, AuditEntry.seq)
        if tenant_id is not None:
            heads_q = heads_q.where(AuditChainHead.tenant_id == tenant_id)
            entries_q = entries_q.where(AuditEntry.tenant_id == tenant_id)
        heads = {h.tenant_id: {"seq": h.seq, "hash": h.hash} for h in uow.session.scalars(heads_q)}
        anchors = {t: _anchor(a) for t, a in latest_anchors(uow.session, tenant_id).items()}
        count = 0
        with out.open("w", encoding="utf-8") as fh:
            header = {
                "kind": "kith.audit_export",
                "hash": "sha256 over [prev_hash, tenant_id, seq, id, at, actor_kind, actor_id, "
                "action, object_type, record_id, detail] as sorted compact JSON",
                "genesis": GENESIS,
                "heads": heads,
                # Entries before an anchor were pruned under the retention policy: the
                # tenant's first exported entry links to the anchor's hash, not genesis.
                "anchors": anchors,
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


def _anchor(anchor: AuditChainAnchor) -> dict[str, Any]:
    return {
        "through_seq": anchor.through_seq,
        "hash": anchor.hash,
        "count": anchor.count,
        "before": canonical_time(anchor.before),
        "at": canonical_time(anchor.at),
        "actor_kind": anchor.actor_kind,
        "actor_id": anchor.actor_id,
    }


def _parse_before(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(value)
    except ValueError:
        _fail(f"--before: {value!r} is not a date (YYYY-MM-DD) or an ISO 8601 time")
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@audit_app.command("prune")
def prune_command(
    before: Annotated[
        str | None,
        typer.Option(
            "--before",
            help="Delete entries written before this date (YYYY-MM-DD, UTC) or ISO time; "
            "default and latest allowed: now minus KITH_AUDIT_RETENTION_DAYS.",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would go; change nothing.")
    ] = False,
    tenant: TenantOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Delete audit entries older than the retention, leaving an anchor verify starts
    from; the prune itself is audited. Exit 2 if --before is later than the policy
    allows, 1 if a chain is broken (nothing is deleted then)."""
    settings = get_settings()
    days = settings.audit_retention_days
    now = utcnow()
    try:
        cutoff = checked_before(_parse_before(before), now, days)
    except ValidationFailed as exc:
        _fail(exc.detail)
    with open_container().uow() as uow:
        tenant_id = _tenant_id(uow, tenant)
        tenants = [tenant_id] if tenant_id else sorted(uow.session.scalars(select(Tenant.id)))
        try:
            results = [
                prune(
                    uow,
                    t,
                    now=now,
                    retention_days=days,
                    actor=Actor.system(),
                    before=cutoff,
                    dry_run=dry_run,
                )
                for t in tenants
            ]
        except ChainBroken as exc:
            typer.echo(f"error: {exc.detail}", err=True)
            raise typer.Exit(1) from exc
        if not dry_run:
            uow.commit()
    _report_prune(results, cutoff, days, dry_run, as_json)


def _report_prune(
    results: list[PruneResult], cutoff: datetime, days: int, dry_run: bool, as_json: bool
) -> None:
    if as_json:
        data = {
            "dry_run": dry_run,
            "before": canonical_time(cutoff),
            "retention_days": days,
            "pruned": sum(r.count for r in results),
            "tenants": [r.as_dict() for r in results],
        }
        sys.stdout.write(dumps(data).decode() + "\n")
        return
    verb = "would prune" if dry_run else "pruned"
    for r in results:
        where = f"through #{r.through_seq}" if r.through_seq is not None else "nothing"
        typer.echo(f"{r.tenant_id}: {verb} {r.count} entries ({where})")
    total = sum(r.count for r in results)
    typer.echo(f"{verb} {total} audit entries written before {canonical_time(cutoff)}")
