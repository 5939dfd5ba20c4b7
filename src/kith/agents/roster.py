"""The agents of a tenant: their rows, their roles and the principals they act as.

Each registered agent gets, per tenant, a row in ``agents`` and its own role
(``agent_<name>``) whose permission rows are seeded from the agent's declared
data scope. Seeding only creates what is missing, so an administrator's edits
to an agent's role or budget survive restarts.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kith.access.cache import TENANT_CACHE, snapshot
from kith.access.models import FieldRule, Role, RolePermission
from kith.access.principal import FieldAccess, Principal, Scope
from kith.access.repository import AccessRepository
from kith.agents.models import AgentRow
from kith.agents.sdk import Agent, AgentRegistry, AgentSpec


@dataclass(frozen=True)
class Member:
    """A registered agent as one tenant runs it."""

    agent: Agent
    row_id: str
    status: str
    budget_per_hour: int
    principal: Principal

    @property
    def active(self) -> bool:
        return self.status == "active"


def seed_agent_role(session: Session, tenant_id: str, spec: AgentSpec) -> Role:
    repo = AccessRepository(session)
    role = repo.role_by_name(tenant_id, spec.role_name)
    if role is not None:
        return role
    role = Role(
        tenant_id=tenant_id,
        name=spec.role_name,
        description=f"Agent {spec.name}: {spec.description}"[:500],
        builtin=True,
    )
    session.add(role)
    session.flush()
    session.add_all(
        RolePermission(tenant_id=tenant_id, role_id=role.id, object_type=o, action=a, scope=s)
        for (o, a), s in spec.scope.grants().items()
    )
    session.add_all(
        FieldRule(tenant_id=tenant_id, role_id=role.id, object_type=o, field=f, access="hidden")
        for o, fields in spec.scope.hidden_fields.items()
        for f in fields
    )
    session.flush()
    return role


def ensure_agents(session: Session, tenant_id: str, registry: AgentRegistry) -> list[AgentRow]:
    """The tenant's agent rows, creating those (and their roles) that are missing."""
    rows = {row.name: row for row in agent_rows(session, tenant_id)}
    for agent in registry:
        spec = agent.spec
        if spec.name in rows:
            continue
        role = seed_agent_role(session, tenant_id, spec)
        row = AgentRow(
            tenant_id=tenant_id,
            name=spec.name,
            role_id=role.id,
            status="active",
            budget_per_hour=spec.budget_per_hour,
            config={},
        )
        session.add(row)
        session.flush()
        rows[spec.name] = row
    return sorted(rows.values(), key=lambda r: r.name)


def agent_rows(session: Session, tenant_id: str) -> list[AgentRow]:
    return list(session.scalars(select(AgentRow).where(AgentRow.tenant_id == tenant_id)))


def principal_for_agent(session: Session, row: AgentRow) -> Principal:
    """``Principal(kind="agent", id=<agent row id>)`` with exactly its role's rights."""
    repo = AccessRepository(session)
    role = session.get(Role, row.role_id)
    grants: dict[tuple[str, str], Scope] = {
        (p.object_type, p.action): p.scope  # type: ignore[misc]
        for p in repo.permissions_of([row.role_id])
    }
    field_rules: dict[str, dict[str, FieldAccess]] = {}
    for rule in repo.field_rules_of([row.role_id]):
        field_rules.setdefault(rule.object_type, {})[rule.field] = rule.access  # type: ignore[assignment]
    return Principal(
        kind="agent",
        id=row.id,
        tenant_id=row.tenant_id,
        name=f"agent:{row.name}",
        user_id=None,
        roles=frozenset({role.name}) if role else frozenset(),
        grants=grants,
        field_rules=field_rules,
    )


_CACHE_KEY = "kith.agents.roster"


class Roster:
    """Per-tenant view of the registered agents.

    Status and budget are read once per transaction (the consumer applies a
    batch of events in one) from the per-tenant cache, which a change to an agent's row
    invalidates (``kith.access.cache``), so pausing takes effect with the next batch, in
    every process; principals are cached for ``principal_ttl`` seconds because
    rebuilding them costs two queries per agent.
    """

    def __init__(self, registry: AgentRegistry, principal_ttl: float = 30.0) -> None:
        self.registry = registry
        self.principal_ttl = principal_ttl
        self._principals: dict[str, tuple[float, Principal]] = {}

    def members(self, session: Session, tenant_id: str) -> dict[str, Member]:
        per_transaction: dict[str, dict[str, Member]] = session.info.setdefault(_CACHE_KEY, {})
        if tenant_id not in per_transaction:
            per_transaction[tenant_id] = self._load(session, tenant_id)
        return per_transaction[tenant_id]

    def _load(self, session: Session, tenant_id: str) -> dict[str, Member]:
        rows: Sequence[AgentRow] = TENANT_CACHE.get(
            session,
            tenant_id,
            "agent_rows",
            lambda: tuple(snapshot(row) for row in agent_rows(session, tenant_id)),
        )
        if self.registry.names() - {row.name for row in rows}:
            # The tenant's first event, or an agent installed since.
            rows = ensure_agents(session, tenant_id, self.registry)
        out: dict[str, Member] = {}
        for row in rows:
            agent = self.registry.get(row.name)
            if agent is None:  # a row left by an agent no longer installed
                continue
            out[row.name] = Member(
                agent=agent,
                row_id=row.id,
                status=row.status,
                budget_per_hour=row.budget_per_hour,
                principal=self._principal(session, row),
            )
        return out

    def _principal(self, session: Session, row: AgentRow) -> Principal:
        cached = self._principals.get(row.id)
        now = time.monotonic()
        if cached is not None and now - cached[0] < self.principal_ttl:
            return cached[1]
        principal = principal_for_agent(session, row)
        self._principals[row.id] = (now, principal)
        return principal
