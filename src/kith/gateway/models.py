"""Tables of the gateway: decision records, approvals, risk rules, idempotency keys,
and the tables the built-in tools write (outbound mailbox, notifications, coupons,
refund requests, campaign enrollments)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kith.core.clock import utcnow
from kith.db.base import ID, Base, IdMixin, TenantMixin


class DecisionRecord(IdMixin, TenantMixin, Base):
    """The "decision passport": one row per gateway execution or agent decision.

    ``args`` and ``rationale`` are PII-masked snapshots; the raw arguments of a
    call waiting for approval live only in its ``approval_requests`` row.
    """

    __tablename__ = "decision_records"
    __table_args__ = (
        Index("ix_decision_records_tenant_at", "tenant_id", "at"),
        Index("ix_decision_records_subject", "tenant_id", "subject_type", "subject_id"),
        Index("ix_decision_records_contact", "tenant_id", "contact_id"),
        Index("ix_decision_records_account", "tenant_id", "account_id"),
        Index("ix_decision_records_actor", "tenant_id", "actor_id"),
    )

    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(ID)
    actor_name: Mapped[str | None] = mapped_column(String(200))
    on_behalf_of_id: Mapped[str | None] = mapped_column(ID)
    on_behalf_of_name: Mapped[str | None] = mapped_column(String(200))
    trigger_event_id: Mapped[str | None] = mapped_column(ID)
    tool: Mapped[str | None] = mapped_column(String(100))
    purpose: Mapped[str | None] = mapped_column(String(64))
    args: Mapped[dict[str, Any]]
    subject_type: Mapped[str | None] = mapped_column(String(32))
    subject_id: Mapped[str | None] = mapped_column(ID)
    account_id: Mapped[str | None] = mapped_column(ID)
    contact_id: Mapped[str | None] = mapped_column(ID)
    rationale: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    consent_allowed: Mapped[bool | None] = mapped_column(Boolean, default=None)
    consent_reason: Mapped[str | None] = mapped_column(String(500))
    consent_basis: Mapped[str | None] = mapped_column(String(500))
    risk_level: Mapped[str | None] = mapped_column(String(8))
    risk_rule_id: Mapped[str | None] = mapped_column(ID)
    # executed | pending_approval | refused | duplicate | failed | rejected | no_action
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    errors: Mapped[list[Any]] = mapped_column(default=list)
    output: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    approval_id: Mapped[str | None] = mapped_column(ID)
    approver_id: Mapped[str | None] = mapped_column(ID)
    approver_name: Mapped[str | None] = mapped_column(String(200))
    approver_decision: Mapped[str | None] = mapped_column(String(16))
    approver_reason: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    duplicate_of: Mapped[str | None] = mapped_column(ID)


class DecisionOverride(IdMixin, TenantMixin, Base):
    """A person's later override of a decision: appended, never replacing the record."""

    __tablename__ = "decision_overrides"

    decision_id: Mapped[str] = mapped_column(ID, index=True)
    by_kind: Mapped[str] = mapped_column(String(16))
    by_id: Mapped[str | None] = mapped_column(ID)
    by_name: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class RiskRule(IdMixin, TenantMixin, Base):
    """Risk policy as data: calls of tools matching ``tool_pattern`` (a glob) whose
    arguments satisfy ``condition`` (JSON-logic subset, see ``conditions.py``) are at
    least ``level``; high ones wait for a user holding ``approver_role``."""

    __tablename__ = "risk_rules"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(500))
    tool_pattern: Mapped[str] = mapped_column(String(100))
    condition: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    level: Mapped[str] = mapped_column(String(8))
    approver_role: Mapped[str] = mapped_column(String(64), default="manager")
    expires_after_minutes: Mapped[int] = mapped_column(Integer, default=24 * 60)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApprovalRequest(IdMixin, TenantMixin, Base):
    """A high-risk call waiting for a person: the full proposed action, unmasked,
    because approving it executes exactly these arguments."""

    __tablename__ = "approval_requests"
    __table_args__ = (Index("ix_approval_requests_status", "tenant_id", "status"),)

    tool: Mapped[str] = mapped_column(String(100))
    args: Mapped[dict[str, Any]]
    purpose: Mapped[str] = mapped_column(String(64))
    requester_kind: Mapped[str] = mapped_column(String(16))
    requester_id: Mapped[str | None] = mapped_column(ID)
    requester_name: Mapped[str | None] = mapped_column(String(200))
    # The person behind the requester (the user, or an API key's owner): may not self-approve.
    requester_user_id: Mapped[str | None] = mapped_column(ID)
    on_behalf_of_id: Mapped[str | None] = mapped_column(ID)
    on_behalf_of_name: Mapped[str | None] = mapped_column(String(200))
    rationale: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    trigger_event_id: Mapped[str | None] = mapped_column(ID)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    decision_id: Mapped[str] = mapped_column(ID)
    risk_level: Mapped[str] = mapped_column(String(8))
    risk_rule_id: Mapped[str | None] = mapped_column(ID)
    approver_role: Mapped[str] = mapped_column(String(64))
    # pending | approved | rejected | expired | executed
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    decided_by_id: Mapped[str | None] = mapped_column(ID)
    decided_by_name: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    result_decision_id: Mapped[str | None] = mapped_column(ID)
    result_status: Mapped[str | None] = mapped_column(String(20))


class IdempotencyKey(IdMixin, TenantMixin, Base):
    """The first outcome of a call made with a key, per acting principal.

    Written before the tool runs, so a concurrent second call with the same key
    hits the unique constraint instead of running the tool again.
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("tenant_id", "principal_id", "key"),)

    principal_id: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(200))
    tool: Mapped[str] = mapped_column(String(100))
    args_digest: Mapped[str] = mapped_column(String(64))
    decision_id: Mapped[str] = mapped_column(ID)
    status: Mapped[str] = mapped_column(String(20))
    output: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    approval_id: Mapped[str | None] = mapped_column(ID)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboundMessage(IdMixin, TenantMixin, Base):
    """Every message Kith sends or drafts, whatever the channel adapter."""

    __tablename__ = "outbound_messages"
    __table_args__ = (Index("ix_outbound_messages_recipient", "tenant_id", "channel", "recipient"),)

    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(254))
    contact_id: Mapped[str | None] = mapped_column(ID, index=True)
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # draft | sent | failed
    status: Mapped[str] = mapped_column(String(16))
    transport: Mapped[str | None] = mapped_column(String(32))
    transport_id: Mapped[str | None] = mapped_column(String(200))
    purpose: Mapped[str | None] = mapped_column(String(64))
    decision_id: Mapped[str | None] = mapped_column(ID)
    interaction_id: Mapped[str | None] = mapped_column(ID)
    created_by_kind: Mapped[str] = mapped_column(String(16))
    created_by_id: Mapped[str | None] = mapped_column(ID)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)


class Notification(IdMixin, TenantMixin, Base):
    """A message for a user inside Kith (approval requests, hand-overs, alerts)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user", "tenant_id", "user_id", "created_at"),)

    user_id: Mapped[str] = mapped_column(ID)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    subject_type: Mapped[str | None] = mapped_column(String(32))
    subject_id: Mapped[str | None] = mapped_column(ID)
    sender_kind: Mapped[str] = mapped_column(String(16))
    sender_id: Mapped[str | None] = mapped_column(ID)
    decision_id: Mapped[str | None] = mapped_column(ID)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(default=None)


class Coupon(IdMixin, TenantMixin, Base):
    __tablename__ = "coupons"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    code: Mapped[str] = mapped_column(String(32))
    contact_id: Mapped[str] = mapped_column(ID, index=True)
    kind: Mapped[str] = mapped_column(String(20))  # discount | free_gift | service_voucher
    value: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="issued")
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    issued_by_kind: Mapped[str] = mapped_column(String(16))
    issued_by_id: Mapped[str | None] = mapped_column(ID)
    decision_id: Mapped[str | None] = mapped_column(ID)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RefundRequest(IdMixin, TenantMixin, Base):
    __tablename__ = "refund_requests"

    order_id: Mapped[str] = mapped_column(ID, index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="requested")
    requested_by_kind: Mapped[str] = mapped_column(String(16))
    requested_by_id: Mapped[str | None] = mapped_column(ID)
    decision_id: Mapped[str | None] = mapped_column(ID)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CampaignEnrollment(IdMixin, TenantMixin, Base):
    __tablename__ = "campaign_enrollments"
    __table_args__ = (UniqueConstraint("tenant_id", "campaign", "contact_id"),)

    campaign: Mapped[str] = mapped_column(String(100))
    contact_id: Mapped[str] = mapped_column(ID, index=True)
    enrolled_by_kind: Mapped[str] = mapped_column(String(16))
    enrolled_by_id: Mapped[str | None] = mapped_column(ID)
    decision_id: Mapped[str | None] = mapped_column(ID)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
