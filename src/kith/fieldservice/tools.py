"""Gateway tools of field service (registered by ``kith.bootstrap.wire``): propose a work
order, recommend engineers (read only: the ranking and its explanation land in the call's
decision record), assign (an override needs a reason), move an order along its status
flow, reserve a provider's bay."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from kith.fieldservice import bays, dispatch
from kith.fieldservice.models import WorkOrder
from kith.fieldservice.routing import TravelTime
from kith.fieldservice.schemas import (
    AssignIn,
    RecommendIn,
    Ref,
    ReserveBayIn,
    TransitionIn,
    WorkOrderIn,
    WorkOrderOut,
)
from kith.fieldservice.service import FieldService
from kith.gateway.registry import ToolContext, tool

PURPOSES = ("service", "crm_ui", "api")


class ProposeIn(WorkOrderIn):
    source: dict[str, Any] | None = None


class RecommendArgs(RecommendIn):
    work_order_id: Ref


class AssignArgs(AssignIn):
    work_order_id: Ref


class TransitionArgs(TransitionIn):
    work_order_id: Ref


class ReserveArgs(ReserveBayIn):
    provider_id: Ref


class WorkOrderResult(BaseModel):
    work_order: WorkOrderOut


class AssignResult(BaseModel):
    work_order: WorkOrderOut
    assignment: dict[str, Any]


class RecommendResult(BaseModel):
    model_config = ConfigDict(extra="allow")

    work_order_id: str
    top_engineer_id: str | None
    weights: dict[str, float]
    travel_source: str
    ranked: list[dict[str, Any]]
    excluded_counts: dict[str, int]


class ReserveResult(BaseModel):
    reservation_id: str
    provider_id: str
    day: str
    start: str | None = None
    end: str | None = None
    bays_left: int


def _service(ctx: ToolContext) -> FieldService:
    return FieldService(ctx.uow, ctx.principal, ctx.clock)


def _about(ctx: ToolContext, order: WorkOrder) -> None:
    ctx.about("work_order", order.id, account_id=order.account_id, contact_id=order.contact_id)


@tool(
    "workorders.propose",
    purposes=PURPOSES,
    touches=("work_order",),
    description="Propose a work order (installation, repair, inspection) for an asset",
)
def propose(ctx: ToolContext, args: ProposeIn) -> WorkOrderResult:
    data = WorkOrderIn.model_validate(args.model_dump(exclude={"source"}))
    order = _service(ctx).create_work_order(data, args.source)
    _about(ctx, order)
    return WorkOrderResult(work_order=WorkOrderOut.model_validate(order))


@tool(
    "dispatch.recommend",
    purposes=PURPOSES,
    touches=("work_order",),
    read_only=True,
    idempotent=True,
    description="Rank the eligible engineers for a work order by travel time, skills and "
    "certifications, today's load, the time window and the customer's preference, each "
    "ranking explained (factors and weights)",
)
def recommend(ctx: ToolContext, args: RecommendArgs) -> RecommendResult:
    try:
        travel_time = ctx.services.get(TravelTime)
    except LookupError:
        travel_time = None  # offline haversine
    result = dispatch.recommend(
        ctx.uow,
        ctx.principal,
        args.work_order_id,
        ctx.clock(),
        args.weights,
        args.limit,
        travel_time,
    )
    order = _service(ctx).work_order(args.work_order_id)
    _about(ctx, order)
    return RecommendResult.model_validate(result)


@tool(
    "workorders.assign",
    purposes=PURPOSES,
    touches=("work_order",),
    description="Assign a work order to an engineer and schedule it; choosing anyone but "
    "the recommendation's first choice is an override and needs a reason",
)
def assign(ctx: ToolContext, args: AssignArgs) -> AssignResult:
    order, outcome = _service(ctx).assign(
        args.work_order_id, AssignIn.model_validate(args.model_dump(exclude={"work_order_id"}))
    )
    _about(ctx, order)
    return AssignResult(work_order=WorkOrderOut.model_validate(order), assignment=outcome)


@tool(
    "workorders.transition",
    purposes=PURPOSES,
    touches=("work_order",),
    description="Move a work order along proposed → scheduled → en_route → on_site → done | failed",
)
def transition(ctx: ToolContext, args: TransitionArgs) -> WorkOrderResult:
    order = _service(ctx).transition(args.work_order_id, args.status, args.reason)
    _about(ctx, order)
    return WorkOrderResult(work_order=WorkOrderOut.model_validate(order))


@tool(
    "providers.reserve_bay",
    purposes=PURPOSES,
    touches=("field_resource",),
    description="Reserve a bay at a service provider for time slots of a day (capacity per "
    "slot; all day without a start), optionally for a work order; a full slot is refused",
)
def reserve_bay(ctx: ToolContext, args: ReserveArgs) -> ReserveResult:
    row, left = _service(ctx).reserve_bay(
        args.provider_id, ReserveBayIn.model_validate(args.model_dump(exclude={"provider_id"}))
    )
    ctx.about("service_provider", args.provider_id)
    return ReserveResult(
        reservation_id=row.id,
        provider_id=row.provider_id,
        day=row.day.isoformat(),
        start=bays.hhmm(row.start_min) if row.start_min is not None else None,
        end=bays.hhmm(row.end_min) if row.end_min is not None else None,
        bays_left=left,
    )
