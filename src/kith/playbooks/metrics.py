"""Metrics a value anchor can be defined on, computed from Kith's own records.

Each metric returns its ``Item``s for a day: one row per ticket, closed deal or lead
in the window, with its value, whether it misses the target (a late ticket, a lost
renewal, a lead not contacted in time) and its values on every dimension the gap may
be decomposed over. The metric's value is computed from the items (``value_of``), so
the figure and its attribution always describe the same rows.

- ``ticket_resolution_hours``: median hours from a ticket's creation to its
  resolution (unresolved tickets count with the hours elapsed so far), tickets created
  in the last ``window_days``; ``account_tiers`` narrows to key accounts. A ticket is
  late when it took longer than the anchor's target. ``resolved_by`` (agent, user,
  api_key, system) separates what agents resolved from what people did.
- ``renewal_rate``: share of deals closed in the window that were won; ``source`` and
  ``pipeline_id`` narrow to renewals (e.g. fleet renewals). A lost deal is a miss.
- ``lead_contact_share``: share of leads created in the window (and at least
  ``minutes`` ago) with an activity logged on them within ``minutes`` (default 60).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kith.access.models import Team, User
from kith.crm.models import (
    Account,
    Activity,
    Deal,
    Lead,
    PipelineStage,
    Ticket,
    TicketStatusChange,
)


@dataclass(frozen=True)
class Item:
    value: float
    miss: bool
    dims: Mapping[str, str]


@dataclass(frozen=True)
class Metric:
    key: str
    kind: str  # median | rate
    unit: str
    miss_en: str
    miss_zh: str
    dimensions: tuple[str, ...]
    items: Callable[[Session, str, Mapping[str, Any], datetime, float], list[Item]]


DIMENSION_WORDS: dict[str, tuple[str, str]] = {
    "category": ("category", "类别"),
    "priority": ("priority", "优先级"),
    "team": ("team", "团队"),
    "assignee": ("assignee", "处理人"),
    "waiting_on": ("waiting on", "等待方"),
    "owner": ("owner", "负责人"),
    "industry": ("industry", "行业"),
    "lost_reason": ("lost reason", "丢单原因"),
    "source": ("source", "来源"),
    "stage": ("stage", "阶段"),
    "tier": ("account tier", "客户等级"),
    "resolved_by": ("resolved by", "解决方"),
}
# Who resolved a ticket (the actor of its first change to resolved or closed): an
# agent, a person (user), an integration (api_key) or Kith itself (system).
RESOLVED = ("resolved", "closed")
NONE = "(none)"


def _window(params: Mapping[str, Any], as_of: datetime) -> datetime:
    return as_of - timedelta(days=int(params.get("window_days", 30)))


def _names(session: Session, tenant_id: str, model: Any) -> dict[str, str]:
    rows = session.execute(select(model.id, model.name).where(model.tenant_id == tenant_id))
    return {str(i): str(name) for i, name in rows.tuples()}


def _ticket_items(
    session: Session, tenant_id: str, params: Mapping[str, Any], as_of: datetime, target: float
) -> list[Item]:
    query = (
        select(Ticket, Account.tier)
        .outerjoin(Account, Account.id == Ticket.account_id)
        .where(
            Ticket.tenant_id == tenant_id,
            Ticket.deleted_at.is_(None),
            Ticket.created_at >= _window(params, as_of),
            Ticket.created_at < as_of,
        )
    )
    tiers = params.get("account_tiers")
    if tiers:
        query = query.where(func.lower(Account.tier).in_([str(t).lower() for t in tiers]))
    if params.get("categories"):
        query = query.where(Ticket.category.in_(list(params["categories"])))
    teams = _names(session, tenant_id, Team)
    users = _names(session, tenant_id, User)
    rows = session.execute(query.order_by(Ticket.id)).tuples().all()
    resolver = _resolvers(session, tenant_id, [ticket.id for ticket, _ in rows])
    out = []
    for ticket, tier in rows:
        end = ticket.resolved_at if ticket.resolved_at and ticket.resolved_at <= as_of else as_of
        hours = max((end - ticket.created_at).total_seconds() / 3600, 0.0)
        custom = ticket.custom or {}
        dims = {
            "category": ticket.category or NONE,
            "priority": ticket.priority,
            "team": teams.get(ticket.team_id or "", NONE),
            "assignee": users.get(ticket.assignee_id or "", NONE),
            "waiting_on": str(custom.get("waiting_on") or NONE),
            "tier": tier or NONE,
            "resolved_by": resolver.get(ticket.id, NONE),
        }
        out.append(Item(round(hours, 4), hours > target, dims))
    return out


def _resolvers(session: Session, tenant_id: str, ticket_ids: list[str]) -> dict[str, str]:
    first: dict[str, tuple[datetime, str]] = {}
    for chunk in range(0, len(ticket_ids), 500):
        part = ticket_ids[chunk : chunk + 500]
        changes = session.execute(
            select(
                TicketStatusChange.ticket_id,
                TicketStatusChange.changed_at,
                TicketStatusChange.actor_kind,
            ).where(
                TicketStatusChange.tenant_id == tenant_id,
                TicketStatusChange.ticket_id.in_(part),
                TicketStatusChange.to_status.in_(RESOLVED),
            )
        ).tuples()
        for ticket_id, at, kind in changes:
            if ticket_id not in first or at < first[ticket_id][0]:
                first[ticket_id] = (at, kind)
    return {ticket_id: kind for ticket_id, (_, kind) in first.items()}


def _renewal_items(
    session: Session, tenant_id: str, params: Mapping[str, Any], as_of: datetime, target: float
) -> list[Item]:
    query = (
        select(Deal, Account.industry, PipelineStage.name)
        .outerjoin(Account, Account.id == Deal.account_id)
        .outerjoin(PipelineStage, PipelineStage.id == Deal.stage_id)
        .where(
            Deal.tenant_id == tenant_id,
            Deal.deleted_at.is_(None),
            Deal.status.in_(("won", "lost")),
            Deal.closed_at >= _window(params, as_of),
            Deal.closed_at < as_of,
        )
    )
    if params.get("source"):
        query = query.where(Deal.source == params["source"])
    if params.get("pipeline_id"):
        query = query.where(Deal.pipeline_id == params["pipeline_id"])
    users = _names(session, tenant_id, User)
    out = []
    for deal, industry, _stage in session.execute(query.order_by(Deal.id)).tuples():
        won = deal.status == "won"
        custom = deal.custom or {}
        dims = {
            "owner": users.get(deal.owner_id or "", NONE),
            "industry": industry or NONE,
            "lost_reason": (deal.lost_reason or NONE) if not won else NONE,
            "source": deal.source or NONE,
            "waiting_on": str(custom.get("waiting_on") or NONE),
        }
        out.append(Item(1.0 if won else 0.0, not won, dims))
    return out


def _lead_items(
    session: Session, tenant_id: str, params: Mapping[str, Any], as_of: datetime, target: float
) -> list[Item]:
    minutes = int(params.get("minutes", 60))
    leads = session.scalars(
        select(Lead)
        .where(
            Lead.tenant_id == tenant_id,
            Lead.deleted_at.is_(None),
            Lead.created_at >= _window(params, as_of),
            Lead.created_at <= as_of - timedelta(minutes=minutes),
        )
        .order_by(Lead.id)
    ).all()
    first: dict[str, datetime] = {}
    for chunk in range(0, len(leads), 500):
        ids = [lead.id for lead in leads[chunk : chunk + 500]]
        rows = session.execute(
            select(Activity.lead_id, func.min(Activity.created_at))
            .where(Activity.tenant_id == tenant_id, Activity.lead_id.in_(ids))
            .group_by(Activity.lead_id)
        ).tuples()
        first.update({str(lead_id): at for lead_id, at in rows})
    users = _names(session, tenant_id, User)
    out = []
    for lead in leads:
        at = first.get(lead.id)
        contacted = at is not None and at - lead.created_at <= timedelta(minutes=minutes)
        dims = {
            "source": lead.source or NONE,
            "owner": users.get(lead.owner_id or "", NONE),
            "industry": lead.industry or NONE,
        }
        out.append(Item(1.0 if contacted else 0.0, not contacted, dims))
    return out


METRICS: dict[str, Metric] = {
    "ticket_resolution_hours": Metric(
        "ticket_resolution_hours",
        "median",
        "h",
        "late tickets",
        "超时工单",
        ("category", "team", "waiting_on", "priority", "assignee", "tier", "resolved_by"),
        _ticket_items,
    ),
    "renewal_rate": Metric(
        "renewal_rate",
        "rate",
        "share",
        "lost renewals",
        "未续约的商机",
        ("owner", "industry", "lost_reason", "source", "waiting_on"),
        _renewal_items,
    ),
    "lead_contact_share": Metric(
        "lead_contact_share",
        "rate",
        "share",
        "leads not contacted in time",
        "未及时联系的线索",
        ("source", "owner", "industry"),
        _lead_items,
    ),
}


def value_of(metric: Metric, items: list[Item]) -> float | None:
    if not items:
        return None
    values = [i.value for i in items]
    if metric.kind == "median":
        return float(statistics.median(values))
    return sum(values) / len(values)
