"""The MES event ``unit.off_line``: a unit (vehicle, device) left the production line and
needs installing at the customer's site. ``kith.bootstrap.wire`` registers the type with
the inbound intake (``POST /api/v1/events`` validates ``data`` against ``UnitOffLine``
and records it as an interaction of the customer); the dispatch agent
(``kith.fieldservice.agent``) then proposes the work order and asks for the ranked
engineers, two tool calls through the agent runtime. ``propose_for`` makes the same two
calls for an administrative load (the demo), as a given principal."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Annotated, Any, ClassVar
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from kith.access.principal import Principal
from kith.access.service import system_principal
from kith.crm.inbound_schemas import CustomerRef, InboundData, Label
from kith.crm.schemas import Channel
from kith.db.uow import UnitOfWork
from kith.fieldservice.rules import Kind
from kith.fieldservice.schemas import SERIAL, Code, Lat, Lon
from kith.gateway.gateway import Gateway

if TYPE_CHECKING:
    pass

INBOUND_TYPE = "unit.off_line"
PURPOSE = "service"
LOCAL_ZONE = "Asia/Shanghai"
DEFAULT_SKILLS: Mapping[str, tuple[str, ...]] = {
    "installation": ("installation",),
    "repair": ("repair",),
    "inspection": ("inspection",),
}


class UnitOffLine(InboundData):
    """A manufacturing system (MES) reports a unit off the production line, to be installed
    at the customer's site: Kith proposes a work order and ranks the engineers."""

    CHANNEL: ClassVar[Channel | None] = "other"
    CUSTOMER_FIELD: ClassVar[str | None] = "customer"

    system: Label = "MES"
    serial: Annotated[str, StringConstraints(strip_whitespace=True, pattern=SERIAL.pattern)]
    asset_kind: Annotated[str, StringConstraints(pattern=r"^(vin|serial)$")] = "serial"
    model: Label | None = None
    customer: CustomerRef
    kind: Kind = "installation"
    address: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    region: Label | None = None
    lat: Lat
    lon: Lon
    required_skills: Annotated[list[Code], Field(max_length=20)] | None = None
    window_start: AwareDatetime | None = None
    window_end: AwareDatetime | None = None
    duration_min: Annotated[int, Field(ge=5, le=24 * 60)] = 120

    @model_validator(mode="after")
    def _window(self) -> UnitOffLine:
        if (self.window_start is None) != (self.window_end is None):
            raise ValueError("give both window_start and window_end, or neither")
        if self.window_start and self.window_end and self.window_end <= self.window_start:
            raise ValueError("window_end must be after window_start")
        if self.asset_kind == "vin" and len(self.serial) != 17:
            raise ValueError("a VIN has 17 characters")
        return self

    def interaction_subject(self) -> str:
        return f"{self.system}: unit {self.serial} off the line"


def default_window(occurred_at: datetime) -> tuple[datetime, datetime]:
    """The next day from 09:00 to 18:00 in Shanghai (when the MES names no window)."""
    zone = ZoneInfo(LOCAL_ZONE)
    day = occurred_at.astimezone(zone).date() + timedelta(days=1)
    return (
        datetime.combine(day, time(9), zone).astimezone(ZoneInfo("UTC")),
        datetime.combine(day, time(18), zone).astimezone(ZoneInfo("UTC")),
    )


def proposal_args(
    data: UnitOffLine, contact_id: str | None, interaction_id: str, occurred_at: datetime
) -> dict[str, Any]:
    start, end = (
        (data.window_start, data.window_end)
        if data.window_start and data.window_end
        else default_window(occurred_at)
    )
    return {
        "kind": data.kind,
        "title": f"{data.kind.capitalize()} {data.model or ''} {data.serial}".replace("  ", " "),
        "contact_id": contact_id,
        "asset_kind": data.asset_kind,
        "asset_serial": data.serial,
        "asset_model": data.model,
        "address": data.address,
        "region": data.region,
        "lat": data.lat,
        "lon": data.lon,
        "required_skills": list(data.required_skills or DEFAULT_SKILLS[data.kind]),
        "window_start": start.isoformat(),
        "window_end": end.isoformat(),
        "duration_min": data.duration_min,
        "source": {
            "event_type": INBOUND_TYPE,
            "system": data.system,
            "interaction_id": interaction_id,
        },
    }


def propose_for(
    uow: UnitOfWork,
    gateway: Gateway,
    tenant_id: str,
    data: UnitOffLine,
    *,
    contact_id: str | None,
    interaction_id: str,
    occurred_at: datetime,
    trigger_event_id: str | None = None,
    principal: Principal | None = None,
) -> dict[str, Any]:
    """Propose the work order, then rank the engineers (two gateway calls), as the system
    acting for field dispatch unless ``principal`` is given (the demo's dispatcher). Live
    events go to the dispatch agent instead."""
    principal = principal or system_principal(tenant_id, "field dispatch")
    proposed = gateway.execute(
        uow,
        principal,
        "workorders.propose",
        proposal_args(data, contact_id, interaction_id, occurred_at),
        purpose=PURPOSE,
        idempotency_key=f"unit-off-line:{interaction_id}",
        trigger_event_id=trigger_event_id,
    )
    order = (proposed.output or {}).get("work_order") or {}
    if proposed.status != "executed" or not order.get("id"):
        return {"proposed": proposed.status, "reason": proposed.reason}
    ranked = gateway.execute(
        uow,
        principal,
        "dispatch.recommend",
        {"work_order_id": order["id"]},
        purpose=PURPOSE,
        idempotency_key=f"unit-off-line:{interaction_id}:recommend",
        trigger_event_id=trigger_event_id,
    )
    return {"work_order_id": order["id"], "proposed": proposed.status, "ranked": ranked.status}
