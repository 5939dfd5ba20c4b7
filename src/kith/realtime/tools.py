"""Gateway tools of real-time decisions (registered by ``kith.bootstrap.wire``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from kith.access import policy
from kith.gateway.registry import ToolContext, tool
from kith.realtime.models import ShipmentHold


class HoldShipmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    risk_decision_id: Annotated[str, StringConstraints(max_length=32)] | None = None


class HoldOut(BaseModel):
    hold_id: str
    order_id: str


@tool(
    "orders.hold_shipment",
    purposes=("service", "api"),
    touches=("order",),
    description="Hold an order's shipment until a person has reviewed a risk decision",
)
def hold_shipment(ctx: ToolContext, args: HoldShipmentIn) -> HoldOut:
    policy.require(ctx.principal, "order", "update")
    hold = ShipmentHold(
        tenant_id=ctx.tenant_id,
        order_id=args.order_id,
        decision_id=args.risk_decision_id,
        reason=args.reason,
        created_at=ctx.clock(),
    )
    ctx.uow.session.add(hold)
    ctx.uow.session.flush()
    if len(args.order_id) <= 32:
        ctx.about("order", args.order_id)
    return HoldOut(hold_id=hold.id, order_id=args.order_id)
