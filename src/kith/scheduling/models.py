"""Tables of the scheduling context: what runs when, and what each run did.

A schedule is either periodic (``every_minutes``) or daily at a UTC time
(``daily_at`` "HH:MM"); exactly one of the two is set. ``next_run_at`` is the
claim token: a runner takes a due schedule by moving it forward with a
compare-and-set, so two runners cannot both take the same occurrence.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kith.core.clock import utcnow
from kith.db.base import ID, Base, IdMixin, TenantMixin


class Schedule(IdMixin, TenantMixin, Base):
    __tablename__ = "schedules"
    __table_args__ = (Index("ix_schedules_due", "enabled", "next_run_at"),)

    job: Mapped[str] = mapped_column(String(100))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    every_minutes: Mapped[int | None] = mapped_column(Integer, default=None)
    daily_at: Mapped[str | None] = mapped_column(String(5), default=None)  # "HH:MM" UTC
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    next_run_at: Mapped[datetime]
    last_run_at: Mapped[datetime | None] = mapped_column(default=None)
    last_status: Mapped[str | None] = mapped_column(String(12), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(200), default=None)


class ScheduleRun(IdMixin, TenantMixin, Base):
    __tablename__ = "schedule_runs"
    __table_args__ = (Index("ix_schedule_runs_schedule", "schedule_id", "started_at"),)

    schedule_id: Mapped[str] = mapped_column(ID)
    job: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(12))  # running | ok | failed
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    # The job's own run time; started_at is when the runner claimed the occurrence.
    seconds: Mapped[float | None] = mapped_column(Float, default=None)
    worker: Mapped[str | None] = mapped_column(String(200), default=None)
