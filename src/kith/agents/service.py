"""Use cases of the agents context: list, pause and resume agents; read the feed.

Managing agents is managing principals and their roles, so it needs the role
permissions (admins by default): ``role:read`` to list and watch, ``role:update``
to pause or resume.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select

from kith.access import policy
from kith.access.models import Role
from kith.access.principal import Principal
from kith.agents import repository
from kith.agents.models import AgentAction, AgentRow
from kith.agents.roster import ensure_agents
from kith.agents.schemas import AgentOut, FeedItem
from kith.agents.sdk import AgentRegistry
from kith.core.clock import as_utc, utcnow
from kith.core.errors import NotFound
from kith.db.uow import UnitOfWork
from kith.events.types import DomainEvent, EventType

FEED_LIMIT = 200


class AgentAdmin:
    def __init__(
        self,
        uow: UnitOfWork,
        principal: Principal,
        registry: AgentRegistry,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.uow = uow
        self.principal = principal
        self.registry = registry
        self.clock = clock

    def agents(self) -> list[AgentOut]:
        policy.require(self.principal, "role", "read")
        rows = ensure_agents(self.uow.session, self.principal.tenant_id, self.registry)
        return [self._view(row) for row in rows]

    def set_status(self, key: str, status: str) -> AgentOut:
        """Pause or resume; takes effect on the next event the agent would handle."""
        policy.require(self.principal, "role", "update")
        ensure_agents(self.uow.session, self.principal.tenant_id, self.registry)
        row = repository.agent_by_name_or_id(self.uow.session, self.principal.tenant_id, key)
        if row is None:
            raise NotFound(f"agent {key} not found")
        if row.status != status:
            row.status = status
            row.updated_at = self.clock()
            self.uow.session.flush()
            self.uow.emit(self._status_event(row))
        return self._view(row)

    def feed(self, after: str | None, limit: int = FEED_LIMIT) -> list[FeedItem]:
        policy.require(self.principal, "role", "read")
        rows = repository.feed_after(self.uow.session, self.principal.tenant_id, after, limit)
        return [feed_item(row) for row in rows]

    def _view(self, row: AgentRow) -> AgentOut:
        agent = self.registry.get(row.name)
        spec = agent.spec if agent is not None else None
        role = self.uow.session.get(Role, row.role_id)
        return AgentOut(
            id=row.id,
            name=row.name,
            label_zh=spec.label_zh if spec else None,
            label_en=spec.label_en if spec else None,
            description=spec.description if spec else None,
            status=row.status,
            role=role.name if role else None,
            budget_per_hour=row.budget_per_hour,
            actions_last_hour=self._actions_last_hour(row.id),
            tools=sorted(spec.tools) if spec else [],
            subscriptions=sorted({s.event_type for s in spec.subscriptions}) if spec else [],
            config=row.config or {},
        )

    def _actions_last_hour(self, agent_id: str) -> int:
        since = self.clock() - timedelta(hours=1)
        count = self.uow.session.scalar(
            select(func.count()).where(
                AgentAction.tenant_id == self.principal.tenant_id,
                AgentAction.agent_id == agent_id,
                AgentAction.phase == "acted",
                AgentAction.at >= since,
            )
        )
        return count or 0

    def _status_event(self, row: AgentRow) -> DomainEvent:
        verb = "paused" if row.status == "paused" else "resumed"
        return DomainEvent(
            type=EventType.AGENT_PAUSED if verb == "paused" else EventType.AGENT_RESUMED,
            tenant_id=row.tenant_id,
            subject_type="agent",
            subject_id=row.id,
            actor=self.principal.actor,
            payload={"name": row.name, "status": row.status},
            summary=f"agent {row.name} {verb}",
            occurred_at=self.clock(),
        )


def feed_item(row: AgentAction) -> FeedItem:
    latency = as_utc(row.at) - as_utc(row.event_at)
    return FeedItem(
        id=row.id,
        at=row.at,
        agent=row.agent_name,
        phase=row.phase,
        status=row.status,
        tool=row.tool,
        summary=row.summary,
        reason=row.reason,
        event_type=row.event_type,
        event_id=row.event_id,
        trace_id=row.trace_id,
        contact_id=row.contact_id,
        account_id=row.account_id,
        record_id=row.record_id,
        decision_id=row.decision_id,
        latency_ms=max(0, int(latency.total_seconds() * 1000)),
    )
