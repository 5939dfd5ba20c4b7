"""Queries of the agents context. Every one is scoped to a tenant.

Aggregate reads over CRM rows (telemetry, visits) live here because the record
service lists records one page at a time; callers check the agent's read
permission with ``require_read`` first, so an agent's data scope still applies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from kith.access import policy
from kith.access.cache import TENANT_CACHE, snapshot
from kith.access.models import Team, TeamMember, User
from kith.access.principal import Principal
from kith.agents.models import AgentAction, AgentRow
from kith.crm.models import Account, Contact, Interaction


def require_read(principal: Principal, *object_types: str) -> None:
    for object_type in object_types:
        policy.require(principal, object_type, "read")


# Inbound events (``POST /api/v1/events``) keep the sender's payload under "data",
# with readings and attributes one level further down.
_NESTED = ("metrics", "meta", "properties", "data")


def flat_meta(meta: Mapping[str, Any]) -> dict[str, Any]:
    """Interaction metadata as one flat mapping, whether it was recorded directly
    (``{"model": "E7", "soh_pct": 91.2}``) or from an inbound event
    (``{"event_type": ..., "data": {"model": "E7", "metrics": {"soh_pct": 91.2}}}``)."""
    data = meta.get("data")
    if not isinstance(data, dict):
        return dict(meta)
    flat = {k: v for k, v in meta.items() if k != "data"}
    for key, value in data.items():
        if isinstance(value, dict):
            if key in _NESTED:
                flat.update(value)
        else:
            flat[key] = value
    return flat


@dataclass(frozen=True)
class Reading:
    """One telemetry reading (an inbound ``iot`` interaction's metadata)."""

    contact_id: str | None
    at: datetime
    meta: dict[str, Any]

    def number(self, key: str) -> float | None:
        value = self.meta.get(key)
        return float(value) if isinstance(value, int | float) else None


def telemetry(
    session: Session,
    tenant_id: str,
    since: datetime,
    *,
    model: str | None = None,
    region: str | None = None,
    cell_batch: str | None = None,
    contact_id: str | None = None,
) -> list[Reading]:
    stmt = select(Interaction.contact_id, Interaction.occurred_at, Interaction.meta).where(
        Interaction.tenant_id == tenant_id,
        Interaction.deleted_at.is_(None),
        Interaction.channel == "iot",
        Interaction.occurred_at >= since,
    )
    if contact_id is not None:
        stmt = stmt.where(Interaction.contact_id == contact_id)
    for key, value in (("model", model), ("region", region)):
        if value is not None:
            stmt = stmt.where(_meta_equals(key, value))
    rows = session.execute(stmt.order_by(Interaction.occurred_at))
    readings = [Reading(c, at, flat_meta(m or {})) for c, at, m in rows]
    if cell_batch is not None:  # only ever recorded flat: compared after flattening
        readings = [r for r in readings if r.meta.get("cell_batch") == cell_batch]
    return readings


def _meta_equals(key: str, value: str) -> ColumnElement[bool]:
    meta = Interaction.meta
    return or_(meta[key].as_string() == value, meta[("data", key)].as_string() == value)


def web_visits(
    session: Session, tenant_id: str, contact_id: str, page: str, since: datetime
) -> int:
    stmt = select(func.count()).where(
        Interaction.tenant_id == tenant_id,
        Interaction.deleted_at.is_(None),
        Interaction.contact_id == contact_id,
        Interaction.channel == "web",
        Interaction.direction == "inbound",
        Interaction.occurred_at >= since,
        _meta_equals("page", page),
    )
    return session.scalar(stmt) or 0


def service_providers(session: Session, tenant_id: str, city: str) -> list[Account]:
    """Accounts in the city that are service partners (a service station or company)."""
    stmt = select(Account).where(
        Account.tenant_id == tenant_id,
        Account.deleted_at.is_(None),
        Account.city == city,
    )
    return [a for a in session.scalars(stmt) if _is_service_partner(a)]


def _is_service_partner(account: Account) -> bool:
    names = f"{account.name} {account.short_name or ''}".lower()
    return "服务" in names or "service" in names


def contacts_of(session: Session, tenant_id: str, account_id: str) -> list[Contact]:
    stmt = select(Contact).where(
        Contact.tenant_id == tenant_id,
        Contact.deleted_at.is_(None),
        Contact.account_id == account_id,
    )
    return list(session.scalars(stmt.order_by(Contact.created_at)))


def manager_of(session: Session, tenant_id: str, user_id: str) -> User | None:
    """The manager of the first team the user belongs to (their sales manager)."""
    stmt = (
        select(User)
        .join(Team, Team.manager_id == User.id)
        .join(TeamMember, TeamMember.team_id == Team.id)
        .where(TeamMember.user_id == user_id, Team.tenant_id == tenant_id)
        .order_by(Team.created_at)
    )
    return session.scalars(stmt.limit(1)).first()


def team_matching(session: Session, tenant_id: str, keywords: Sequence[str]) -> Team | None:
    """The first team by name whose name holds one of ``keywords`` (a transient copy: the
    tenant's teams are cached until its access changes)."""

    def load() -> tuple[Team, ...]:
        stmt = select(Team).where(Team.tenant_id == tenant_id).order_by(Team.name)
        return tuple(snapshot(team) for team in session.scalars(stmt))

    for team in TENANT_CACHE.get(session, tenant_id, "teams", load):
        if any(k in team.name.lower() for k in keywords):
            return team
    return None


def agents(session: Session, tenant_id: str) -> list[AgentRow]:
    stmt = select(AgentRow).where(AgentRow.tenant_id == tenant_id).order_by(AgentRow.name)
    return list(session.scalars(stmt))


def agent_by_name_or_id(session: Session, tenant_id: str, key: str) -> AgentRow | None:
    stmt = select(AgentRow).where(
        AgentRow.tenant_id == tenant_id, (AgentRow.name == key) | (AgentRow.id == key)
    )
    return session.scalars(stmt.limit(1)).first()


def feed_after(
    session: Session, tenant_id: str, after: str | None, limit: int
) -> list[AgentAction]:
    """Feed items in id (= time) order, after the cursor; the newest ``limit`` when none."""
    stmt = select(AgentAction).where(AgentAction.tenant_id == tenant_id)
    if after is not None:
        later = stmt.where(AgentAction.id > after).order_by(AgentAction.id).limit(limit)
        return list(session.scalars(later))
    newest = session.scalars(stmt.order_by(AgentAction.id.desc()).limit(limit))
    return list(reversed(list(newest)))


def handled_by(session: Session, tenant_id: str, event_id: str, agent_name: str) -> bool:
    """Whether ``agent_name`` already acted (executed a tool call) on this event: a
    customer's question the Knowledge agent answered or handed over is not ticketed
    twice."""
    stmt = select(AgentAction.id).where(
        AgentAction.tenant_id == tenant_id,
        AgentAction.event_id == event_id,
        AgentAction.agent_name == agent_name,
        AgentAction.phase == "acted",
        AgentAction.status.in_(("executed", "pending_approval")),
    )
    return session.scalar(stmt.limit(1)) is not None
