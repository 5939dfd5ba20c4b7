"""Use cases of field service: engineers, providers, work orders and their status flow,
assignment and bay reservations. Services never commit; the entry point does.

Every change appends a ``DomainEvent``; work-order events carry the customer
(``contact_id``/``account_id``) so they reach the customer's timeline."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from kith.access import policy
from kith.access.principal import Principal
from kith.core.clock import utcnow
from kith.core.domain import DomainEvent
from kith.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from kith.core.event_types import EventType
from kith.crm.repository import RecordRepository
from kith.crm.specs import SPECS
from kith.db.uow import UnitOfWork
from kith.fieldservice import bays
from kith.fieldservice.models import (
    BayReservation,
    FieldEngineer,
    ServiceProvider,
    WorkOrder,
    WorkOrderTransition,
)
from kith.fieldservice.repository import FieldRepository
from kith.fieldservice.rules import BOOKED, FINISHED, check_transition
from kith.fieldservice.schemas import (
    AssignIn,
    EngineerIn,
    EngineerOut,
    EngineerPatch,
    LocationIn,
    ProviderIn,
    ReserveBayIn,
    SlotOut,
    SlotsOut,
    TransitionOut,
    WorkOrderDetail,
    WorkOrderIn,
    WorkOrderOut,
)

RESOURCE = "field_resource"  # permission object of engineers and providers
ORDER = "work_order"


class FieldService:
    def __init__(
        self, uow: UnitOfWork, principal: Principal, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.uow = uow
        self.principal = principal
        self.clock = clock
        self.repo = FieldRepository(uow.session, principal.tenant_id)

    # --- engineers and providers ---------------------------------------------------

    def create_engineer(self, data: EngineerIn) -> FieldEngineer:
        policy.require(self.principal, RESOURCE, "create")
        if data.provider_id and self.repo.provider(data.provider_id) is None:
            raise _invalid(["body", "provider_id"], "no service provider with this id")
        if data.user_id and not self._user_exists(data.user_id):
            raise _invalid(["body", "user_id"], "no user with this id in the workspace")
        now = self.clock()
        row = FieldEngineer(
            tenant_id=self.principal.tenant_id,
            **data.model_dump(mode="json", exclude={"calendar", "certifications"}),
            certifications=[c.model_dump(mode="json") for c in data.certifications],
            calendar=[b.model_dump(mode="json") for b in data.calendar],
            created_at=now,
            updated_at=now,
        )
        self.uow.session.add(row)
        self.uow.session.flush()
        self._emit(EventType.FIELD_ENGINEER_CREATED, "field_engineer", row.id, {"name": row.name})
        return row

    def update_engineer(self, engineer_id: str, patch: EngineerPatch) -> FieldEngineer:
        policy.require(self.principal, RESOURCE, "update")
        row = self.engineer(engineer_id)
        changes: dict[str, list[Any]] = {}
        for name, value in patch.model_dump(mode="json", exclude_unset=True).items():
            if value is None and name not in {"phone"}:
                continue
            before = getattr(row, name)
            if before != value:
                changes[name] = [before, value]
                setattr(row, name, value)
        if (row.work_end or "") <= (row.work_start or ""):
            raise _invalid(["body", "work_end"], "work_end must be after work_start")
        certified = {c["skill"] for c in row.certifications}
        if not certified <= set(row.skills):
            raise _invalid(["body", "certifications"], "certifications name skills not in skills")
        if changes:
            row.version += 1
            row.updated_at = self.clock()
            self._emit(
                EventType.FIELD_ENGINEER_UPDATED,
                "field_engineer",
                row.id,
                {"changes": {k: v for k, v in changes.items() if k != "calendar"}},
            )
        return row

    def locate(self, engineer_id: str, data: LocationIn) -> FieldEngineer:
        """The engineer's live location (from their phone or vehicle)."""
        policy.require(self.principal, RESOURCE, "update")
        row = self.engineer(engineer_id)
        at = data.at or self.clock()
        if at > self.clock():
            raise _invalid(["body", "at"], "a location cannot be measured in the future")
        if row.live_at is not None and at < row.live_at:
            return row  # an older fix arriving late changes nothing
        row.live_lat, row.live_lon, row.live_at = data.lat, data.lon, at
        self._emit(
            EventType.FIELD_ENGINEER_LOCATED,
            "field_engineer",
            row.id,
            {"lat": data.lat, "lon": data.lon, "at": at.isoformat()},
        )
        return row

    def engineer(self, engineer_id: str) -> FieldEngineer:
        policy.require(self.principal, RESOURCE, "read")
        row = self.repo.engineer(engineer_id)
        if row is None:
            raise NotFound(f"No field engineer {engineer_id}")
        return row

    def engineers(self) -> list[FieldEngineer]:
        policy.require(self.principal, RESOURCE, "read")
        return self.repo.engineers()

    def create_provider(self, data: ProviderIn) -> ServiceProvider:
        policy.require(self.principal, RESOURCE, "create")
        row = ServiceProvider(
            tenant_id=self.principal.tenant_id, **data.model_dump(), created_at=self.clock()
        )
        self.uow.session.add(row)
        self.uow.session.flush()
        self._emit(
            EventType.SERVICE_PROVIDER_CREATED,
            "service_provider",
            row.id,
            {"name": row.name, "bays": row.bays},
        )
        return row

    def provider(self, provider_id: str) -> ServiceProvider:
        policy.require(self.principal, RESOURCE, "read")
        row = self.repo.provider(provider_id)
        if row is None:
            raise NotFound(f"No service provider {provider_id}")
        return row

    def providers(self) -> list[ServiceProvider]:
        policy.require(self.principal, RESOURCE, "read")
        return self.repo.providers()

    def slots(self, provider_id: str, day: date) -> SlotsOut:
        """The provider's slots on ``day`` with the bays reserved and free in each."""
        provider = self.provider(provider_id)
        grid = bays.grid(provider.opens, provider.closes, provider.slot_minutes)
        rows = self.repo.reservations_of(provider.id, day)
        used = bays.usage(grid, [(r.start_min, r.end_min) for r in rows])
        return SlotsOut(
            provider_id=provider.id,
            day=day,
            bays=provider.bays,
            slot_minutes=provider.slot_minutes,
            slots=[
                SlotOut(
                    start=bays.hhmm(s),
                    end=bays.hhmm(e),
                    reserved=n,
                    free=max(0, provider.bays - n),
                )
                for (s, e), n in zip(grid, used, strict=True)
            ],
        )

    def reserve_bay(self, provider_id: str, data: ReserveBayIn) -> tuple[BayReservation, int]:
        """Hold one bay of the provider on ``day`` for ``slots`` slots from ``start`` (or
        all day without ``start``); Conflict naming the first full slot when a bay is
        not free in each. Returns the reservation and the fewest bays left in its slots."""
        policy.require(self.principal, RESOURCE, "update")
        self.provider(provider_id)  # NotFound, read check
        provider = self.repo.provider_for_update(provider_id)
        assert provider is not None
        order = self.work_order(data.work_order_id) if data.work_order_id else None
        grid = bays.grid(provider.opens, provider.closes, provider.slot_minutes)
        taken = self.repo.reservations_of(provider.id, data.day)
        used = bays.usage(grid, [(r.start_min, r.end_min) for r in taken])
        if data.start is None:
            wanted = list(range(len(grid)))
            start_min: int | None = None
            end_min: int | None = None
        else:
            try:
                wanted = bays.span(grid, bays.minutes(data.start), data.slots)
            except ValueError as exc:
                raise _invalid(["body", "start"], str(exc)) from None
            start_min, end_min = grid[wanted[0]][0], grid[wanted[-1]][1]
        full = [i for i in wanted if used[i] >= provider.bays]
        if full:
            s, e = grid[full[0]]
            raise Conflict(
                f"{provider.name} has no bay free {bays.hhmm(s)}–{bays.hhmm(e)} on "
                f"{data.day.isoformat()} ({used[full[0]]} of {provider.bays} reserved)"
            )
        row = BayReservation(
            tenant_id=self.principal.tenant_id,
            provider_id=provider.id,
            day=data.day,
            start_min=start_min,
            end_min=end_min,
            work_order_id=order.id if order else None,
            note=data.note,
            created_at=self.clock(),
        )
        self.uow.session.add(row)
        if order is not None:
            order.provider_id = provider.id
        self.uow.session.flush()
        self._emit(
            EventType.SERVICE_BAY_RESERVED,
            "service_provider",
            provider.id,
            {
                "day": data.day.isoformat(),
                "start": bays.hhmm(start_min) if start_min is not None else None,
                "end": bays.hhmm(end_min) if end_min is not None else None,
                "work_order_id": row.work_order_id,
                "reservation": row.id,
            },
            order,
        )
        return row, min(provider.bays - used[i] - 1 for i in wanted)

    # --- work orders ------------------------------------------------------------------

    def create_work_order(
        self, data: WorkOrderIn, source: dict[str, Any] | None = None
    ) -> WorkOrder:
        policy.require(self.principal, ORDER, "create")
        account_id = data.account_id
        if data.contact_id:
            contact = RecordRepository(self.uow.session, self.principal).find(
                SPECS["contact"], data.contact_id
            )
            if contact is None:
                raise _invalid(["body", "contact_id"], "no contact with this id")
            account_id = account_id or getattr(contact, "account_id", None)
        for i, engineer_id in enumerate(data.preferred_engineer_ids):
            if self.repo.engineer(engineer_id) is None:
                raise _invalid(["body", "preferred_engineer_ids", i], "no engineer with this id")
        now = self.clock()
        row = WorkOrder(
            tenant_id=self.principal.tenant_id,
            number=f"WO-{now:%Y%m%d}-{self.repo.count_work_orders() + 1:05d}",
            status="proposed",
            source=source or {},
            created_at=now,
            updated_at=now,
            **{**data.model_dump(), "account_id": account_id},
        )
        self.uow.session.add(row)
        self.uow.session.flush()
        self._history(row, None, "proposed", None)
        self._emit(
            EventType.WORK_ORDER_PROPOSED,
            ORDER,
            row.id,
            {
                "number": row.number,
                "kind": row.kind,
                "asset_serial": row.asset_serial,
                "required_skills": row.required_skills,
                "window_start": row.window_start.isoformat(),
                "window_end": row.window_end.isoformat(),
            },
            row,
        )
        return row

    def work_order(self, work_order_id: str) -> WorkOrder:
        policy.require(self.principal, ORDER, "read")
        row = self.repo.work_order(work_order_id)
        if row is None:
            raise NotFound(f"No work order {work_order_id}")
        return row

    def work_orders(
        self, statuses: list[str], engineer_id: str | None, contact_id: str | None, limit: int
    ) -> list[WorkOrder]:
        policy.require(self.principal, ORDER, "read")
        return self.repo.work_orders(
            statuses=statuses, engineer_id=engineer_id, contact_id=contact_id, limit=limit
        )

    def transition(
        self, work_order_id: str, target: str, reason: str | None, *, engineer_id: str | None = None
    ) -> WorkOrder:
        policy.require(self.principal, ORDER, "update")
        row = self.work_order(work_order_id)
        check_transition(row.status, target)
        if target == "scheduled" and not (engineer_id or row.engineer_id):
            raise Conflict("Assign an engineer to schedule a work order")
        if target == "failed" and not reason:
            raise _invalid(["body", "reason"], "say why the visit failed")
        before = row.status
        row.status = target
        if target == "proposed":  # back to dispatch: the engineer's time is free again
            row.engineer_id, row.scheduled_start = None, None
        if target in {"done", "failed"} and reason:
            row.outcome_note = reason
        row.version += 1
        row.updated_at = self.clock()
        self._history(row, before, target, reason)
        self._emit(
            EventType.WORK_ORDER_STATUS_CHANGED,
            ORDER,
            row.id,
            {"from": before, "to": target, "reason": reason, "engineer_id": row.engineer_id},
            row,
        )
        return row

    def assign(self, work_order_id: str, data: AssignIn) -> tuple[WorkOrder, dict[str, Any]]:
        """Give the order to an engineer and schedule it. Anyone but the latest
        recommendation's first choice is an override: it needs a reason, kept with the
        assignment. Returns the order and what was decided (recommended, override)."""
        policy.require(self.principal, ORDER, "update")
        row = self.work_order(work_order_id)
        engineer = self.repo.engineer(data.engineer_id)
        if engineer is None or not engineer.active:
            raise _invalid(["body", "engineer_id"], "no active engineer with this id")
        if row.status not in {"proposed", "scheduled"}:
            raise Conflict(f"A {row.status} work order cannot be (re)assigned")
        decision = self.repo.latest_recommendation(row.id)
        ranked = list(((decision.output or {}) if decision else {}).get("ranked") or [])
        top = ranked[0]["engineer_id"] if ranked else None
        override = top is not None and data.engineer_id != top
        if override and not data.reason:
            raise _invalid(
                ["body", "reason"],
                "the recommendation ranked another engineer first: give a reason to override",
            )
        mine = next((r for r in ranked if r["engineer_id"] == data.engineer_id), None)
        start = data.scheduled_start
        if start is None:
            offset = mine["arrival_offset_min"] if mine else 0.0
            start = _plus_minutes(row.window_start, offset)
        if not (row.window_start <= start <= row.window_end):
            raise _invalid(["body", "scheduled_start"], "must be inside the order's time window")
        previous = row.engineer_id
        row.engineer_id, row.scheduled_start = engineer.id, start
        before = row.status
        if before == "proposed":
            row.status = "scheduled"
        row.version += 1
        row.updated_at = self.clock()
        outcome = {
            "engineer_id": engineer.id,
            "engineer_name": engineer.name,
            "scheduled_start": start.isoformat(),
            "previous_engineer_id": previous,
            "recommended_engineer_id": top,
            "recommendation_decision_id": decision.id if decision else None,
            "rank": mine["rank"] if mine else None,
            "override": override,
            "reason": data.reason,
        }
        self._history(row, before, row.status, data.reason, engineer_id=engineer.id)
        self._emit(EventType.WORK_ORDER_ASSIGNED, ORDER, row.id, outcome, row)
        if before != row.status:
            self._emit(
                EventType.WORK_ORDER_STATUS_CHANGED,
                ORDER,
                row.id,
                {
                    "from": before,
                    "to": row.status,
                    "reason": data.reason,
                    "engineer_id": engineer.id,
                },
                row,
            )
        return row, outcome

    def detail(self, work_order_id: str) -> WorkOrderDetail:
        """The order with its history, the asset's repair history, the customer, the
        engineer and the latest recommendation (the dispatch panel's content)."""
        row = self.work_order(work_order_id)
        out = WorkOrderDetail.model_validate(WorkOrderOut.model_validate(row).model_dump())
        out.history = [TransitionOut.model_validate(h) for h in self.repo.history(row.id)]
        out.asset_history = [
            WorkOrderOut.model_validate(o)
            for o in self.repo.asset_history(row.asset_serial, row.id)
        ]
        out.customer = self._customer(row)
        if row.engineer_id:
            engineer = self.repo.engineer(row.engineer_id)
            if engineer is not None:
                out.engineer = EngineerOut.model_validate(engineer).model_dump(mode="json")
        decision = self.repo.latest_recommendation(row.id)
        if decision is not None and decision.output:
            out.recommendation = {**decision.output, "decision_id": decision.id, "at": decision.at}
        return out

    # --- helpers ------------------------------------------------------------------------

    def _customer(self, row: WorkOrder) -> dict[str, Any] | None:
        if not row.contact_id:
            return None
        records = RecordRepository(self.uow.session, self.principal)
        contact = records.find(SPECS["contact"], row.contact_id)
        if contact is None:
            return None
        from kith.crm.models import Ticket

        ticket = Ticket
        stmt = records.scoped(SPECS["ticket"], "read").where(ticket.contact_id == row.contact_id)
        tickets = list(self.uow.session.scalars(stmt.order_by(ticket.id.desc()).limit(10)))
        return {
            "contact_id": contact.id,
            "name": getattr(contact, "name", None),
            "account_id": getattr(contact, "account_id", None),
            "tickets": [
                {
                    "id": t.id,
                    "subject": getattr(t, "subject", None),
                    "status": getattr(t, "status", None),
                }
                for t in tickets
            ],
            "finished_visits": len(
                [
                    o
                    for o in self.repo.work_orders(contact_id=row.contact_id)
                    if o.status in FINISHED
                ]
            ),
        }

    def _user_exists(self, user_id: str) -> bool:
        from kith.access.models import User

        user = self.uow.session.get(User, user_id)
        return user is not None and user.tenant_id == self.principal.tenant_id

    def _history(
        self,
        row: WorkOrder,
        before: str | None,
        after: str,
        reason: str | None,
        *,
        engineer_id: str | None = None,
    ) -> None:
        self.uow.session.add(
            WorkOrderTransition(
                tenant_id=row.tenant_id,
                work_order_id=row.id,
                from_status=before,
                to_status=after,
                at=self.clock(),
                actor_kind=self.principal.kind,
                actor_name=self.principal.name,
                reason=reason,
                engineer_id=engineer_id or row.engineer_id,
            )
        )

    def _emit(
        self,
        event_type: EventType,
        subject_type: str,
        subject_id: str,
        payload: dict[str, Any],
        order: WorkOrder | None = None,
    ) -> None:
        self.uow.emit(
            DomainEvent(
                type=event_type,
                tenant_id=self.principal.tenant_id,
                subject_type=subject_type,
                subject_id=subject_id,
                actor=self.principal.actor,
                payload=payload,
                contact_id=order.contact_id if order else None,
                account_id=order.account_id if order else None,
                occurred_at=self.clock(),
            )
        )


def _plus_minutes(at: datetime, minutes: float) -> datetime:
    from datetime import timedelta

    return at + timedelta(minutes=round(minutes))


def _invalid(path: list[str | int], message: str) -> ValidationFailed:
    return ValidationFailed(message, [FieldError(path, message)])


__all__ = ["BOOKED", "ORDER", "RESOURCE", "FieldService"]
