"""Event tables: the outbox, and the bookkeeping of delivering events to consumers
and of accepting events from outside.

``outbox`` is written by the unit of work. The relay sets ``published_at``;
the consumer framework writes ``consumed_events`` (one mark per consumer and
event, committed with the consumer's effects), ``event_deliveries`` (failed
attempts and scheduled re-deliveries) and ``dead_letters``. Inbound events
write ``inbound_receipts`` (idempotency keys) and ``inbound_rejections``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Identity, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kith.core.clock import utcnow
from kith.db.base import ID, Base, IdMixin

CONSUMER_NAME = String(64)


class OutboxEvent(Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_unpublished", "published_at", "seq"),)

    # seq gives the relay a total order over committed events.
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        Identity(),
        primary_key=True,
    )
    event_id: Mapped[str] = mapped_column(ID, unique=True)
    tenant_id: Mapped[str] = mapped_column(ID)
    type: Mapped[str] = mapped_column(String(64), index=True)
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(ID)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(ID)
    payload: Mapped[dict[str, Any]]
    occurred_at: Mapped[datetime]
    published_at: Mapped[datetime | None] = mapped_column(default=None)


class ConsumedEvent(Base):
    """The idempotency mark: this consumer's effects of this event are committed."""

    __tablename__ = "consumed_events"

    consumer: Mapped[str] = mapped_column(CONSUMER_NAME, primary_key=True)
    event_id: Mapped[str] = mapped_column(ID, primary_key=True)
    consumed_at: Mapped[datetime] = mapped_column(default=utcnow)


class EventDelivery(IdMixin, Base):
    """One failed attempt (``error`` set) or one scheduled re-delivery (``error`` null,
    attempt 0: a replay or a manual retry). ``next_attempt_at`` is set while the
    event waits for its next attempt and cleared when that attempt runs."""

    __tablename__ = "event_deliveries"
    __table_args__ = (
        UniqueConstraint("consumer", "event_id", "attempt"),
        Index("ix_event_deliveries_due", "consumer", "next_attempt_at"),
    )

    consumer: Mapped[str] = mapped_column(CONSUMER_NAME)
    event_id: Mapped[str] = mapped_column(ID)
    attempt: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    attempted_at: Mapped[datetime | None] = mapped_column(default=None)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)


class DeadLetter(IdMixin, Base):
    """An event a consumer gave up on after its last attempt; open until re-queued."""

    __tablename__ = "dead_letters"
    __table_args__ = (Index("ix_dead_letters_consumer_event", "consumer", "event_id"),)

    consumer: Mapped[str] = mapped_column(CONSUMER_NAME)
    event_id: Mapped[str] = mapped_column(ID)
    reason: Mapped[str] = mapped_column(String(200))
    last_error: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer)
    failed_at: Mapped[datetime] = mapped_column(default=utcnow)
    requeued_at: Mapped[datetime | None] = mapped_column(default=None)


class InboundReceipt(Base):
    """An accepted inbound event's idempotency key, claimed before anything is written."""

    __tablename__ = "inbound_receipts"

    tenant_id: Mapped[str] = mapped_column(ID, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(64))
    interaction_id: Mapped[str | None] = mapped_column(ID)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboundRejection(IdMixin, Base):
    """An inbound event that was refused, kept with its raw body so nothing is lost silently."""

    __tablename__ = "inbound_rejections"
    __table_args__ = (Index("ix_inbound_rejections_tenant_at", "tenant_id", "received_at"),)

    tenant_id: Mapped[str] = mapped_column(ID)
    principal_kind: Mapped[str] = mapped_column(String(16))
    principal_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(500))
    errors: Mapped[list[Any]]
    raw_body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
