"""Tables of field service (scenario S5): field engineers (Kith users or partner staff)
with skills, certifications, home base, live location, working hours and calendar;
service providers with bays; work orders with their status history; bay reservations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kith.core.clock import utcnow
from kith.db.base import ID, Base, IdMixin, TenantMixin


class FieldEngineer(IdMixin, TenantMixin, Base):
    """A person who goes on site. ``user_id`` links a Kith user; partner staff have
    ``provider_id`` (their company) and no user. ``skills`` are the skill codes the
    engineer has; ``certifications`` ``[{skill, expires_on}]`` make a skill certified
    until that day. ``calendar`` holds busy blocks ``[{start, end, note}]`` (UTC ISO);
    ``work_days`` are ISO weekdays (1 = Monday) in ``timezone``."""

    __tablename__ = "field_engineers"

    name: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[str | None] = mapped_column(ID, default=None)
    provider_id: Mapped[str | None] = mapped_column(ID, default=None)
    phone: Mapped[str | None] = mapped_column(String(40), default=None)
    skills: Mapped[list[Any]] = mapped_column(default=list)
    certifications: Mapped[list[Any]] = mapped_column(default=list)
    regions: Mapped[list[Any]] = mapped_column(default=list)
    home_lat: Mapped[float] = mapped_column(Float)
    home_lon: Mapped[float] = mapped_column(Float)
    live_lat: Mapped[float | None] = mapped_column(Float, default=None)
    live_lon: Mapped[float | None] = mapped_column(Float, default=None)
    live_at: Mapped[datetime | None] = mapped_column(default=None)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    work_start: Mapped[str] = mapped_column(String(5), default="08:30")
    work_end: Mapped[str] = mapped_column(String(5), default="17:30")
    work_days: Mapped[list[Any]] = mapped_column(default=lambda: [1, 2, 3, 4, 5])
    calendar: Mapped[list[Any]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ServiceProvider(IdMixin, TenantMixin, Base):
    """A partner company (service station, installer) with bays, open ``opens``–``closes``
    (local time) in slots of ``slot_minutes``; ``bays`` is each slot's capacity."""

    __tablename__ = "field_providers"

    name: Mapped[str] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100), default=None)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    bays: Mapped[int] = mapped_column(Integer, default=1)
    slot_minutes: Mapped[int] = mapped_column(Integer, default=60)
    opens: Mapped[str] = mapped_column(String(5), default="08:00")
    closes: Mapped[str] = mapped_column(String(5), default="18:00")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BayReservation(IdMixin, TenantMixin, Base):
    """One bay of a provider held on a day from ``start_min`` to ``end_min`` (minutes after
    local midnight, on the provider's slot grid), or all day when they are None."""

    __tablename__ = "field_bay_reservations"
    __table_args__ = (Index("ix_field_bay_reservations_day", "tenant_id", "provider_id", "day"),)

    provider_id: Mapped[str] = mapped_column(ID)
    day: Mapped[date] = mapped_column(Date)
    start_min: Mapped[int | None] = mapped_column(Integer, default=None)
    end_min: Mapped[int | None] = mapped_column(Integer, default=None)
    work_order_id: Mapped[str | None] = mapped_column(ID, default=None)
    note: Mapped[str | None] = mapped_column(String(500), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WorkOrder(IdMixin, TenantMixin, Base):
    """An installation, repair or inspection at an address, for a customer's asset.

    Status flow: proposed → scheduled → en_route → on_site → done | failed (and
    proposed | scheduled → cancelled); ``kith.fieldservice.rules`` enforces it."""

    __tablename__ = "field_work_orders"
    __table_args__ = (
        Index("ix_field_work_orders_asset", "tenant_id", "asset_serial"),
        Index("ix_field_work_orders_engineer", "tenant_id", "engineer_id", "scheduled_start"),
        Index("ix_field_work_orders_status", "tenant_id", "status"),
    )

    number: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(16))  # installation | repair | inspection
    status: Mapped[str] = mapped_column(String(12), default="proposed")
    title: Mapped[str] = mapped_column(String(300))
    contact_id: Mapped[str | None] = mapped_column(ID, default=None)
    account_id: Mapped[str | None] = mapped_column(ID, default=None)
    asset_kind: Mapped[str] = mapped_column(String(12), default="serial")  # vin | serial
    asset_serial: Mapped[str] = mapped_column(String(64))
    asset_model: Mapped[str | None] = mapped_column(String(100), default=None)
    address: Mapped[str] = mapped_column(String(500))
    region: Mapped[str | None] = mapped_column(String(100), default=None)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    required_skills: Mapped[list[Any]] = mapped_column(default=list)
    window_start: Mapped[datetime] = mapped_column()
    window_end: Mapped[datetime] = mapped_column()
    duration_min: Mapped[int] = mapped_column(Integer, default=60)
    priority: Mapped[str] = mapped_column(String(8), default="normal")  # low|normal|high|urgent
    preferred_engineer_ids: Mapped[list[Any]] = mapped_column(default=list)
    engineer_id: Mapped[str | None] = mapped_column(ID, default=None)
    scheduled_start: Mapped[datetime | None] = mapped_column(default=None)
    provider_id: Mapped[str | None] = mapped_column(ID, default=None)
    source: Mapped[dict[str, Any]] = mapped_column(default=dict)
    outcome_note: Mapped[str | None] = mapped_column(Text, default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class WorkOrderTransition(IdMixin, TenantMixin, Base):
    """One status change of a work order: who, when, from, to and why."""

    __tablename__ = "field_work_order_history"
    __table_args__ = (Index("ix_field_work_order_history_order", "tenant_id", "work_order_id"),)

    work_order_id: Mapped[str] = mapped_column(ID)
    from_status: Mapped[str | None] = mapped_column(String(12), default=None)
    to_status: Mapped[str] = mapped_column(String(12))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_name: Mapped[str | None] = mapped_column(String(200), default=None)
    reason: Mapped[str | None] = mapped_column(String(2000), default=None)
    engineer_id: Mapped[str | None] = mapped_column(ID, default=None)
