"""Tables of the agent runtime: agents, their memory, requests, leases and actions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kith.core.clock import utcnow
from kith.db.base import ID, Base, IdMixin, TenantMixin, TimestampMixin


class AgentRow(IdMixin, TenantMixin, TimestampMixin, Base):
    """One agent of a tenant. Its id is the principal id it acts under."""

    __tablename__ = "agents"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    name: Mapped[str] = mapped_column(String(64))
    role_id: Mapped[str] = mapped_column(ForeignKey("roles.id"))
    status: Mapped[str] = mapped_column(String(8), default="active")  # active | paused
    budget_per_hour: Mapped[int] = mapped_column(Integer)
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)


class AgentMemory(IdMixin, TenantMixin, Base):
    """A fact, episode or summary an agent keeps about one customer.

    ``terms`` holds the text's tokens (jieba for Chinese, words for Latin
    scripts) joined by spaces, so retrieval never re-segments stored text.
    """

    __tablename__ = "agent_memories"
    __table_args__ = (
        Index("ix_agent_memories_subject", "tenant_id", "subject_type", "subject_id", "agent_id"),
    )

    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id"))
    namespace: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(16))  # contact | account
    subject_id: Mapped[str] = mapped_column(ID)
    kind: Mapped[str] = mapped_column(String(8))  # fact | episode | summary
    text: Mapped[str] = mapped_column(Text)
    terms: Mapped[str] = mapped_column(Text)
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AgentMemoryShare(TenantMixin, Base):
    """``owner`` lets ``grantee`` read its memory; without a row, memory is private."""

    __tablename__ = "agent_memory_shares"

    owner_agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id"), primary_key=True)
    grantee_agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AgentRequest(IdMixin, TenantMixin, Base):
    """A typed question one agent asked another, and the answer (or why there is none)."""

    __tablename__ = "agent_requests"

    # Usually another agent; a person may ask an agent too.
    requester_kind: Mapped[str] = mapped_column(String(16))
    requester_id: Mapped[str] = mapped_column(String(64))
    to_agent: Mapped[str] = mapped_column(String(64))
    to_agent_id: Mapped[str | None] = mapped_column(ForeignKey("agents.id"))
    kind: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(12))  # answered | timed_out | failed
    reason: Mapped[str | None] = mapped_column(String(500))
    answer: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    trace_id: Mapped[str | None] = mapped_column(ID)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(default=None)
    elapsed_ms: Mapped[int | None] = mapped_column(Integer)


class AgentLease(TenantMixin, Base):
    """One agent owns concurrent work on a record until the lease expires or is released."""

    __tablename__ = "agent_leases"

    object_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    record_id: Mapped[str] = mapped_column(ID, primary_key=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id"))
    acquired_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class AgentAction(IdMixin, TenantMixin, Base):
    """What an agent perceived and what it did: the live feed, budgets and contact caps.

    ``phase`` is ``perceived`` or ``acted``; for actions ``status`` is the
    gateway's answer (executed, pending_approval, refused, ...) or the runtime's
    own refusal (blocked by a cross-agent policy, over budget, tool not allowed).
    ``event_at`` is when the triggering event happened, so the feed shows the
    event-to-action latency; ``trace_id`` is the first event of the chain
    (agents reacting to agents' records stay on one trace).
    """

    __tablename__ = "agent_actions"
    __table_args__ = (
        Index("ix_agent_actions_agent_at", "tenant_id", "agent_id", "at"),
        Index("ix_agent_actions_contact_tool", "tenant_id", "contact_id", "tool", "at"),
        Index("ix_agent_actions_record", "tenant_id", "record_id"),
    )

    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id"))
    agent_name: Mapped[str] = mapped_column(String(64))
    phase: Mapped[str] = mapped_column(String(12))
    status: Mapped[str | None] = mapped_column(String(20))
    tool: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(500))
    decision_id: Mapped[str | None] = mapped_column(ID)
    event_id: Mapped[str] = mapped_column(ID)
    event_type: Mapped[str] = mapped_column(String(64))
    trace_id: Mapped[str] = mapped_column(ID, index=True)
    contact_id: Mapped[str | None] = mapped_column(ID)
    account_id: Mapped[str | None] = mapped_column(ID)
    record_id: Mapped[str | None] = mapped_column(ID)  # the record the action created or changed
    summary: Mapped[str | None] = mapped_column(String(500))
    event_at: Mapped[datetime]
    at: Mapped[datetime]
