"""Small read-only JSON endpoints the screens need and the core API does not offer.

All under ``/api/v1/web/``: aggregates for the dashboards (pipeline funnel, ticket
SLA, agent activity) and "what agents did for me today" on the home page. Each
one goes through the same row scoping (``RecordRepository.scoped``), field rules
(``policy.hidden_fields``) and decision visibility (``DecisionReader.may_read``)
as the core API, so a screen never learns more than the API would tell it.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from kith.access import policy
from kith.api.deps import CurrentPrincipal, Now, UoW, requires_scope
from kith.api.responses import KithJSON
from kith.core.errors import NotFound
from kith.crm.models import Deal, Ticket
from kith.crm.repository import RecordRepository
from kith.crm.specs import SPECS
from kith.gateway.decisions import DecisionReader
from kith.gateway.fx import rate_table
from kith.gateway.models import DecisionRecord
from kith.gateway.repository import GatewayRepository
from kith.gateway.risk import rules_of

router = APIRouter(prefix="/api/v1/web", default_response_class=KithJSON, tags=["Web UI"])

AT_RISK_SHARE = 0.25  # as static/sla.js: at risk when under a quarter of the window is left
ACTIVITY_DAYS = 14
TODAY_LIMIT = 50
SCAN_LIMIT = 2_000


@router.get("/stats/pipeline", response_model=None, dependencies=[requires_scope("deals:read")])
def pipeline_funnel(
    uow: UoW,
    principal: CurrentPrincipal,
    pipeline_id: Annotated[str | None, Query(pattern=r"^[0-9a-f]{32}$")] = None,
) -> dict[str, Any]:
    """Deals per stage of a pipeline the caller can see: count, amounts per currency and
    their total converted to the base currency with the dated rate table ``fx`` (amounts
    only when the caller's role may see the amount field)."""
    repo = RecordRepository(uow.session, principal)
    spec = SPECS["deal"]
    policy.require(principal, "deal", "read")
    pipeline: Any = repo.default_pipeline()
    if pipeline_id:
        stmt_p = repo.scoped(SPECS["pipeline"], "read").where(
            SPECS["pipeline"].model.id == pipeline_id
        )
        pipeline = uow.session.scalars(stmt_p).first()
    if pipeline is None:
        if pipeline_id:
            raise NotFound(f"pipeline {pipeline_id} not found")
        return {"pipeline_id": None, "stages": [], "amounts_visible": False}
    show_amounts = "amount" not in policy.hidden_fields(principal, "deal")
    scoped = repo.scoped(spec, "read").where(Deal.pipeline_id == pipeline.id).subquery()
    # Amounts are summed per currency, never across currencies; the single total per stage is
    # converted with the dated rate table and labelled so (None when a rate is missing).
    stmt = select(
        scoped.c.stage_id,
        scoped.c.currency,
        func.count(),
        func.coalesce(func.sum(scoped.c.amount), 0),
    ).group_by(scoped.c.stage_id, scoped.c.currency)
    counts: dict[str, int] = {}
    by_currency: dict[str, dict[str, Decimal]] = {}
    for stage_id, currency, count, amount in uow.session.execute(stmt):
        counts[stage_id] = counts.get(stage_id, 0) + int(count)
        if amount:
            sums = by_currency.setdefault(stage_id, {})
            code = (currency or "CNY").upper()
            sums[code] = sums.get(code, Decimal(0)) + Decimal(amount)
    table = rate_table()
    stages: list[dict[str, Any]] = []
    for stage in repo.stages(pipeline.id):
        sums = by_currency.get(stage.id, {})
        converted = [table.to_base(amount, code) for code, amount in sums.items()]
        total = None if None in converted else sum((c or Decimal(0) for c in converted), Decimal(0))
        stages.append(
            {
                "id": stage.id,
                "name": stage.name,
                "kind": stage.kind,
                "position": stage.position,
                "count": counts.get(stage.id, 0),
                "amounts": {code: str(a) for code, a in sorted(sums.items())}
                if show_amounts
                else None,
                "amount": str(total) if show_amounts and total is not None else None,
            }
        )
    fx = {"base": table.base, "as_of": table.as_of.isoformat(), "version": table.version}
    uow.commit()
    return {
        "pipeline_id": pipeline.id,
        "stages": stages,
        "amounts_visible": show_amounts,
        "fx": fx,
    }


def sla_state(ticket: Ticket, now: datetime) -> str | None:
    """The resolution SLA state of a ticket (same rule as the browser's sla.js)."""
    due = ticket.resolution_due_at
    if due is None:
        return None
    if ticket.resolved_at is not None:
        return "met" if ticket.resolved_at <= due else "late"
    if now > due:
        return "breached"
    started = ticket.created_at
    window = (due - started) * AT_RISK_SHARE if started else timedelta(hours=1)
    return "at_risk" if due - now <= window else "on_track"


@router.get("/stats/tickets", response_model=None, dependencies=[requires_scope("tickets:read")])
def ticket_sla(
    uow: UoW,
    principal: CurrentPrincipal,
    now: Now,
    days: Annotated[int, Query(ge=1, le=365)] = 30,
) -> dict[str, Any]:
    """Resolution SLA of the caller's visible tickets: open ones by state now, and
    tickets resolved in the last ``days`` days as met or late."""
    policy.require(principal, "ticket", "read")
    repo = RecordRepository(uow.session, principal)
    since = now - timedelta(days=days)
    stmt = (
        repo.scoped(SPECS["ticket"], "read")
        .where((Ticket.resolved_at.is_(None)) | (Ticket.resolved_at >= since))
        .limit(SCAN_LIMIT * 10)
    )
    states: Counter[str] = Counter()
    by_priority: Counter[str] = Counter()
    for ticket in uow.session.scalars(stmt):
        state = sla_state(ticket, now)
        if state is None:
            continue
        states[state] += 1
        if state in ("breached", "at_risk"):
            by_priority[ticket.priority] += 1
    uow.commit()
    order = ("breached", "at_risk", "on_track", "met", "late")
    return {
        "days": days,
        "states": [{"state": s, "count": states.get(s, 0)} for s in order],
        "urgent_by_priority": dict(by_priority),
    }


def _agent_decisions(
    uow: Any, principal: Any, since: datetime, limit: int, *, mine_only: bool = False
) -> list[DecisionRecord]:
    """Agent decisions since ``since`` that the principal may read, newest first; with
    ``mine_only``, only those made on the principal's behalf or about records they own."""
    reader = DecisionReader(uow, principal)
    visible: list[DecisionRecord] = []
    for row in GatewayRepository(uow.session, principal).agent_decisions_since(since, SCAN_LIMIT):
        if mine_only and not _concerns(uow, principal, row):
            continue
        if reader.may_read(row):
            visible.append(row)
            if len(visible) >= limit:
                break
    return visible


def _concerns(uow: Any, principal: Any, row: DecisionRecord) -> bool:
    """Made on the user's behalf, or about a record (or its customer) the user owns."""
    user_id = principal.user_id
    if user_id is None:
        return False
    if row.on_behalf_of_id == user_id:
        return True
    for object_type, record_id in (
        (row.subject_type, row.subject_id),
        ("contact", row.contact_id),
        ("account", row.account_id),
    ):
        spec = SPECS.get(object_type or "")
        if spec is None or not record_id:
            continue
        record = uow.session.get(spec.model, record_id)
        if record is not None and record.tenant_id == row.tenant_id:
            return bool(record.owner_id == user_id)
    return False


@router.get("/stats/agents", response_model=None, dependencies=[requires_scope("agents:read")])
def agent_activity(
    uow: UoW,
    principal: CurrentPrincipal,
    now: Now,
    days: Annotated[int, Query(ge=1, le=60)] = ACTIVITY_DAYS,
) -> dict[str, Any]:
    """Decisions agents made per day and outcome over the last ``days`` days (UTC days),
    counting only decisions the caller may read."""
    since = (now - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    rows = _agent_decisions(uow, principal, since, SCAN_LIMIT)
    per_day: dict[str, Counter[str]] = {}
    agents: Counter[str] = Counter()
    for row in rows:
        day = row.at.date().isoformat()
        per_day.setdefault(day, Counter())[row.status or "unknown"] += 1
        agents[row.actor_name or row.actor_id or "?"] += 1
    series = []
    for i in range(days):
        day = (since + timedelta(days=i)).date().isoformat()
        counts = per_day.get(day, Counter())
        series.append({"day": day, **{k: counts.get(k, 0) for k in _OUTCOMES}})
    uow.commit()
    return {
        "days": days,
        "outcomes": list(_OUTCOMES),
        "series": series,
        "agents": [{"name": n, "count": c} for n, c in agents.most_common()],
        "truncated": len(rows) >= SCAN_LIMIT,
    }


_OUTCOMES = ("executed", "pending_approval", "refused", "failed", "no_action")


@router.get("/agents/today", response_model=None, dependencies=[requires_scope("agents:read")])
def agents_today(
    uow: UoW,
    principal: CurrentPrincipal,
    now: Now,
    since: Annotated[
        datetime | None, Query(description="start of the caller's day; default UTC midnight")
    ] = None,
) -> dict[str, Any]:
    """What agents did today that concerns the caller: decisions made on the caller's
    behalf or about records the caller can read, newest first."""
    start = since if since is not None and since.tzinfo is not None else None
    if start is None or start > now or now - start > timedelta(days=2):
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    rows = _agent_decisions(uow, principal, start, TODAY_LIMIT, mine_only=True)
    items = [
        {
            "id": r.id,
            "at": r.at,
            "agent": r.actor_name,
            "tool": r.tool,
            "status": r.status,
            "reason": r.reason,
            "summary": (r.rationale or {}).get("summary"),
            "subject_type": r.subject_type,
            "subject_id": r.subject_id,
            "for_me": r.on_behalf_of_id is not None and r.on_behalf_of_id == principal.user_id,
        }
        for r in rows
    ]
    uow.commit()
    return {"items": items}


@router.get("/risk-rules", response_model=None, dependencies=[requires_scope("approvals:read")])
def risk_rules(uow: UoW, principal: CurrentPrincipal) -> dict[str, Any]:
    """The tenant's risk policy (read-only: the gateway has no API to edit it yet).
    Shown to roles that may read roles, as both describe who may do what."""
    policy.require(principal, "role", "read")
    rules = [
        {
            "id": r.id,
            "name": r.name,
            "description": r.description,
            "tool_pattern": r.tool_pattern,
            "condition": r.condition,
            "level": r.level,
            "approver_role": r.approver_role,
            "expires_after_minutes": r.expires_after_minutes,
            "enabled": r.enabled,
            "builtin": r.builtin,
        }
        for r in rules_of(uow.session, principal.tenant_id)
    ]
    uow.commit()
    return {"items": rules}
