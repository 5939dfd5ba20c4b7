"""Stored commands: what a person typed, the plan Kith made of it, and what ran."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kith.core.clock import utcnow
from kith.db.base import ID, Base, IdMixin, TenantMixin


class LanguageCommand(IdMixin, TenantMixin, Base):
    """One typed command or question and its plan (entities, intents, steps, questions,
    answer), kept so it can be executed once, audited and undone."""

    __tablename__ = "language_commands"
    __table_args__ = (Index("ix_language_commands_user", "tenant_id", "user_id", "created_at"),)

    user_id: Mapped[str] = mapped_column(ID)
    text: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16))  # command | question
    status: Mapped[str] = mapped_column(String(24))
    engine: Mapped[str] = mapped_column(String(64))
    now: Mapped[datetime]
    plan: Mapped[dict[str, Any]] = mapped_column(default=dict)
    results: Mapped[list[Any]] = mapped_column(default=list)
    flags: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    executed_at: Mapped[datetime | None] = mapped_column(default=None)
    undone_at: Mapped[datetime | None] = mapped_column(default=None)
