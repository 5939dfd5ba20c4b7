"""Tables of the platform context: webhook subscriptions, one delivery per (subscription,
event) and one attempt row per HTTP request made for a delivery.

A delivery is written by the ``webhooks`` consumer in the same transaction as its
idempotency mark, so each committed event is queued exactly once per matching
subscription; the dispatcher then sends it at least once. ``lease_until`` is the claim
of the process sending it: a process killed mid-request leaves a lease that expires,
and the delivery is sent again (receivers de-duplicate on ``Kith-Event-Id``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from kith.core.clock import utcnow
from kith.db.base import ID, Base, IdMixin, TenantMixin
from kith.db.crypto import EncryptedString

ENCRYPTED_WIDTH = 255
SECRET_CONTEXT = "webhook_subscription.secret"  # noqa: S105 - a column name


class WebhookSubscription(IdMixin, TenantMixin, Base):
    __tablename__ = "webhook_subscriptions"

    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(2000))
    # registered event types, or ["*"] for every type
    event_types: Mapped[list[Any]] = mapped_column(JSON)
    filter: Mapped[str | None] = mapped_column(Text, default=None)  # CEL, over `event`
    secret: Mapped[str] = mapped_column(EncryptedString(ENCRYPTED_WIDTH, SECRET_CONTEXT))
    # whose field rules and record scope shape the payloads
    owner_id: Mapped[str] = mapped_column(ID)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(500), default=None)
    disabled_at: Mapped[datetime | None] = mapped_column(default=None)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)


class WebhookDelivery(IdMixin, TenantMixin, Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "event_id"),
        # the dispatcher's scan: a subscription's open deliveries in event order
        Index("ix_webhook_deliveries_open", "subscription_id", "status", "seq"),
    )

    subscription_id: Mapped[str] = mapped_column(ForeignKey("webhook_subscriptions.id"))
    event_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(BigInteger)  # the outbox order (0: test sends)
    subject_key: Mapped[str] = mapped_column(String(160))  # "<type>:<id>": ordering unit
    body: Mapped[dict[str, Any]] = mapped_column(JSON)  # what is sent, field rules applied
    # pending → succeeded | failed (retries exhausted); pending again on redeliver
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    last_status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)


class WebhookAttempt(IdMixin, TenantMixin, Base):
    __tablename__ = "webhook_attempts"

    delivery_id: Mapped[str] = mapped_column(ForeignKey("webhook_deliveries.id"), index=True)
    subscription_id: Mapped[str] = mapped_column(ID)
    number: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column()
    latency_ms: Mapped[float] = mapped_column()
    ok: Mapped[bool] = mapped_column(Boolean)
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    error: Mapped[str | None] = mapped_column(String(500), default=None)
    response_body: Mapped[str | None] = mapped_column(Text, default=None)  # truncated
