"""Queries of field service, always scoped to one tenant."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kith.fieldservice.models import (
    BayReservation,
    FieldEngineer,
    ServiceProvider,
    WorkOrder,
    WorkOrderTransition,
)
from kith.gateway.models import DecisionRecord

RECOMMEND_TOOL = "dispatch.recommend"


class FieldRepository:
    def __init__(self, session: Session, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def engineer(self, engineer_id: str) -> FieldEngineer | None:
        row = self.session.get(FieldEngineer, engineer_id)
        return row if row is not None and row.tenant_id == self.tenant_id else None

    def engineers(self, *, active_only: bool = False, limit: int = 2000) -> list[FieldEngineer]:
        stmt = select(FieldEngineer).where(FieldEngineer.tenant_id == self.tenant_id)
        if active_only:
            stmt = stmt.where(FieldEngineer.active.is_(True))
        return list(
            self.session.scalars(stmt.order_by(FieldEngineer.name, FieldEngineer.id).limit(limit))
        )

    def engineers_for_dispatch(self) -> list[Any]:
        """The active engineers as plain rows of what the ranker reads (no ORM identity
        map: a recommendation reads hundreds of engineers and changes none)."""
        e = FieldEngineer
        stmt = (
            select(
                e.id, e.name, e.skills, e.certifications, e.regions, e.home_lat, e.home_lon,
                e.live_lat, e.live_lon, e.live_at, e.timezone, e.work_start, e.work_end,
                e.work_days, e.calendar,
            )
            .where(e.tenant_id == self.tenant_id, e.active.is_(True))
            .order_by(e.name, e.id)
        )  # fmt: skip
        return list(self.session.execute(stmt).all())

    def provider(self, provider_id: str) -> ServiceProvider | None:
        row = self.session.get(ServiceProvider, provider_id)
        return row if row is not None and row.tenant_id == self.tenant_id else None

    def providers(self) -> list[ServiceProvider]:
        stmt = (
            select(ServiceProvider)
            .where(ServiceProvider.tenant_id == self.tenant_id)
            .order_by(ServiceProvider.name, ServiceProvider.id)
        )
        return list(self.session.scalars(stmt))

    def provider_for_update(self, provider_id: str) -> ServiceProvider | None:
        """The provider, locked until commit (PostgreSQL): reservations of its bays are
        counted and added one transaction at a time."""
        stmt = (
            select(ServiceProvider)
            .where(ServiceProvider.tenant_id == self.tenant_id, ServiceProvider.id == provider_id)
            .with_for_update()
        )
        return self.session.scalars(stmt).first()

    def reservations_of(self, provider_id: str, day: date) -> list[BayReservation]:
        stmt = (
            select(BayReservation)
            .where(
                BayReservation.tenant_id == self.tenant_id,
                BayReservation.provider_id == provider_id,
                BayReservation.day == day,
            )
            .order_by(BayReservation.start_min, BayReservation.created_at, BayReservation.id)
        )
        return list(self.session.scalars(stmt))

    def reservations_on(self, provider_id: str, day: date) -> int:
        stmt = select(func.count()).where(
            BayReservation.tenant_id == self.tenant_id,
            BayReservation.provider_id == provider_id,
            BayReservation.day == day,
        )
        return int(self.session.scalar(stmt) or 0)

    def work_order(self, work_order_id: str) -> WorkOrder | None:
        row = self.session.get(WorkOrder, work_order_id)
        return row if row is not None and row.tenant_id == self.tenant_id else None

    def work_orders(
        self,
        *,
        statuses: Collection[str] = (),
        engineer_id: str | None = None,
        contact_id: str | None = None,
        limit: int = 100,
    ) -> list[WorkOrder]:
        stmt = select(WorkOrder).where(WorkOrder.tenant_id == self.tenant_id)
        if statuses:
            stmt = stmt.where(WorkOrder.status.in_(list(statuses)))
        if engineer_id:
            stmt = stmt.where(WorkOrder.engineer_id == engineer_id)
        if contact_id:
            stmt = stmt.where(WorkOrder.contact_id == contact_id)
        stmt = stmt.order_by(WorkOrder.window_start, WorkOrder.id).limit(limit)
        return list(self.session.scalars(stmt))

    def count_work_orders(self) -> int:
        stmt = select(func.count()).where(WorkOrder.tenant_id == self.tenant_id)
        return int(self.session.scalar(stmt) or 0)

    def booked_between(
        self, start: datetime, end: datetime, statuses: Collection[str]
    ) -> list[WorkOrder]:
        """Orders with an engineer and a start in [start, end)."""
        stmt = select(WorkOrder).where(
            WorkOrder.tenant_id == self.tenant_id,
            WorkOrder.engineer_id.is_not(None),
            WorkOrder.status.in_(list(statuses)),
            WorkOrder.scheduled_start >= start,
            WorkOrder.scheduled_start < end,
        )
        return list(self.session.scalars(stmt))

    def asset_history(self, asset_serial: str, exclude_id: str, limit: int = 20) -> list[WorkOrder]:
        stmt = (
            select(WorkOrder)
            .where(
                WorkOrder.tenant_id == self.tenant_id,
                WorkOrder.asset_serial == asset_serial,
                WorkOrder.id != exclude_id,
            )
            .order_by(WorkOrder.window_start.desc(), WorkOrder.id)
            .limit(limit)
        )
        return list(self.session.scalars(stmt))

    def engineers_on_asset(self, asset_serial: str, statuses: Collection[str]) -> set[str]:
        stmt = select(WorkOrder.engineer_id).where(
            WorkOrder.tenant_id == self.tenant_id,
            WorkOrder.asset_serial == asset_serial,
            WorkOrder.status.in_(list(statuses)),
            WorkOrder.engineer_id.is_not(None),
        )
        return {str(e) for e in self.session.scalars(stmt)}

    def history(self, work_order_id: str) -> Sequence[WorkOrderTransition]:
        stmt = (
            select(WorkOrderTransition)
            .where(
                WorkOrderTransition.tenant_id == self.tenant_id,
                WorkOrderTransition.work_order_id == work_order_id,
            )
            .order_by(WorkOrderTransition.at, WorkOrderTransition.id)
        )
        return list(self.session.scalars(stmt))

    def latest_recommendation(self, work_order_id: str) -> DecisionRecord | None:
        """The order's latest executed ``dispatch.recommend`` decision record."""
        stmt = (
            select(DecisionRecord)
            .where(
                DecisionRecord.tenant_id == self.tenant_id,
                DecisionRecord.subject_type == "work_order",
                DecisionRecord.subject_id == work_order_id,
                DecisionRecord.tool == RECOMMEND_TOOL,
                DecisionRecord.status == "executed",
            )
            .order_by(DecisionRecord.at.desc(), DecisionRecord.id.desc())
            .limit(1)
        )
        return self.session.scalars(stmt).first()

    def window_opening_between(
        self, start: datetime, end: datetime, statuses: Collection[str], limit: int = 2000
    ) -> list[WorkOrder]:
        stmt = (
            select(WorkOrder)
            .where(
                WorkOrder.tenant_id == self.tenant_id,
                WorkOrder.status.in_(list(statuses)),
                WorkOrder.window_start >= start,
                WorkOrder.window_start < end,
            )
            .order_by(WorkOrder.window_start, WorkOrder.id)
            .limit(limit)
        )
        return list(self.session.scalars(stmt))
