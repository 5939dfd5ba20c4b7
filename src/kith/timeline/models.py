"""Timeline entries, projected from domain events in the same transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from kith.db.base import ID, Base, IdMixin, TenantMixin


class TimelineEntry(IdMixin, TenantMixin, Base):
    __tablename__ = "timeline_entries"
    __table_args__ = (
        Index("ix_timeline_subject", "tenant_id", "subject_type", "subject_id", "occurred_at"),
        Index("ix_timeline_account", "tenant_id", "account_id", "occurred_at"),
        Index("ix_timeline_contact", "tenant_id", "contact_id", "occurred_at"),
    )

    event_id: Mapped[str] = mapped_column(ID)
    event_type: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(ID)
    account_id: Mapped[str | None] = mapped_column(ID)
    contact_id: Mapped[str | None] = mapped_column(ID)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(ID)
    actor_name: Mapped[str | None] = mapped_column(String(200))
    summary: Mapped[str | None] = mapped_column(String(500))
    payload: Mapped[dict[str, Any]]
    occurred_at: Mapped[datetime]
