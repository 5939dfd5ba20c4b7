"""Cross-agent policies, applied to every proposal before it reaches the gateway.

The gateway judges one call (permissions, consent, risk); the coordinator
judges a call against what *other agents* are doing to the same customer:

- no marketing to a customer with an open high-severity complaint
  (a ticket of severity s1/s2 that is not resolved or closed);
- a contact-frequency cap per customer across all agents
  (by default at most 2 outbound messages in 7 days);
- one owner per concurrent action on a record: the first agent to change a
  record takes a lease on it; other agents' changes are refused until the
  lease expires or its holder releases it.

Every check is a query in the caller's unit of work, so two workers
racing for the same lease collide on its primary key and one retries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from kith.agents.models import AgentAction, AgentLease, AgentRow
from kith.agents.sdk import ProposedAction, RecordRef
from kith.core.clock import as_utc
from kith.crm.models import Ticket


@dataclass(frozen=True)
class CoordinatorPolicy:
    outbound_tools: frozenset[str] = frozenset({"messages.send"})
    max_outbound: int = 2
    outbound_window: timedelta = timedelta(days=7)
    severe_severities: frozenset[str] = frozenset({"s1", "s2"})
    settled_statuses: frozenset[str] = frozenset({"resolved", "closed"})
    lease_ttl: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    policy: str | None = None
    reason: str | None = None


ALLOWED = Verdict(True)
# Statuses that mean a message went out or will once a person approves it.
_COUNTED_STATUSES = ("executed", "pending_approval")


class Coordinator:
    def __init__(self, policy: CoordinatorPolicy | None = None) -> None:
        self.policy = policy or CoordinatorPolicy()

    def review(
        self,
        session: Session,
        tenant_id: str,
        agent_id: str,
        action: ProposedAction,
        now: datetime,
    ) -> Verdict:
        # The lease is taken last, so a refused proposal leaves no lease behind.
        verdict = self._complaint_hold(session, tenant_id, action)
        if verdict.allowed:
            verdict = self._frequency_cap(session, tenant_id, action, now)
        if verdict.allowed:
            verdict = self._lease(session, tenant_id, agent_id, action.changes, now)
        return verdict

    def release(self, session: Session, agent_id: str, record: RecordRef) -> None:
        """End the agent's lease on a record (no-op when another agent holds it)."""
        session.execute(
            delete(AgentLease).where(
                AgentLease.object_type == record.object_type,
                AgentLease.record_id == record.record_id,
                AgentLease.agent_id == agent_id,
            )
        )

    # --- the policies -------------------------------------------------------------

    def _complaint_hold(self, session: Session, tenant_id: str, action: ProposedAction) -> Verdict:
        if action.purpose != "marketing" or not (action.contact_id or action.account_id):
            return ALLOWED
        about = []
        if action.contact_id:
            about.append(Ticket.contact_id == action.contact_id)
        if action.account_id:
            about.append(Ticket.account_id == action.account_id)
        stmt = select(Ticket.number).where(
            Ticket.tenant_id == tenant_id,
            Ticket.deleted_at.is_(None),
            Ticket.severity.in_(self.policy.severe_severities),
            Ticket.status.not_in(self.policy.settled_statuses),
            or_(*about),
        )
        number = session.scalar(stmt.limit(1))
        if number is None:
            return ALLOWED
        return Verdict(
            False,
            "complaint_hold",
            f"no marketing while high-severity complaint {number} is open",
        )

    def _frequency_cap(
        self, session: Session, tenant_id: str, action: ProposedAction, now: datetime
    ) -> Verdict:
        if action.tool not in self.policy.outbound_tools or not action.contact_id:
            return ALLOWED
        since = now - self.policy.outbound_window
        sent = session.scalar(
            select(func.count()).where(
                AgentAction.tenant_id == tenant_id,
                AgentAction.contact_id == action.contact_id,
                AgentAction.tool.in_(self.policy.outbound_tools),
                AgentAction.status.in_(_COUNTED_STATUSES),
                AgentAction.at >= since,
            )
        )
        if (sent or 0) < self.policy.max_outbound:
            return ALLOWED
        days = self.policy.outbound_window.days
        return Verdict(
            False,
            "contact_frequency_cap",
            f"customer already got {sent} agent messages in {days} days "
            f"(cap {self.policy.max_outbound})",
        )

    def _lease(
        self,
        session: Session,
        tenant_id: str,
        agent_id: str,
        record: RecordRef | None,
        now: datetime,
    ) -> Verdict:
        if record is None:
            return ALLOWED
        lease = session.get(AgentLease, (record.object_type, record.record_id))
        if lease is not None and lease.agent_id != agent_id and as_utc(lease.expires_at) > now:
            holder = session.get(AgentRow, lease.agent_id)
            return Verdict(
                False,
                "record_lease",
                f"{record.object_type} {record.record_id} is being worked on by agent "
                f"{holder.name if holder else lease.agent_id} until "
                f"{as_utc(lease.expires_at).isoformat()}",
            )
        expires = now + self.policy.lease_ttl
        if lease is None:
            session.add(
                AgentLease(
                    tenant_id=tenant_id,
                    object_type=record.object_type,
                    record_id=record.record_id,
                    agent_id=agent_id,
                    acquired_at=now,
                    expires_at=expires,
                )
            )
        else:
            if lease.agent_id != agent_id:
                lease.acquired_at = now
            lease.agent_id = agent_id
            lease.expires_at = expires
        session.flush()
        return ALLOWED
