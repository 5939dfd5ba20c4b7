"""HTTP: field engineers, service providers, work orders and dispatch.

Writes on work orders and bay reservations go through the gateway (``workorders.*``,
``dispatch.recommend``, ``providers.reserve_bay``), so each has a decision record; the
unit of work is committed whatever the outcome and the original error re-raised.
Engineers and providers are resources, changed through the service."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from kith.api.deps import CurrentPrincipal, UoW, get_container, requires_scope
from kith.api.responses import KithJSON
from kith.container import Container
from kith.fieldservice import dispatch
from kith.fieldservice.schemas import (
    AssignIn,
    EngineerIn,
    EngineerOut,
    EngineerPage,
    EngineerPatch,
    LocationIn,
    ProviderIn,
    ProviderOut,
    ProviderPage,
    RecommendIn,
    ReservationOut,
    ReserveBayIn,
    SlotsOut,
    TransitionIn,
    WorkOrderDetail,
    WorkOrderIn,
    WorkOrderOut,
    WorkOrderPage,
)
from kith.fieldservice.service import FieldService
from kith.gateway.deps import GatewayDep, Purpose
from kith.gateway.gateway import GatewayResult

router = APIRouter(prefix="/api/v1", default_response_class=KithJSON, tags=["Field service"])

Id = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
ContainerDep = Annotated[Container, Depends(get_container)]
READ_RESOURCES = requires_scope("field_resources:read")
WRITE_RESOURCES = requires_scope("field_resources:write")
READ_ORDERS = requires_scope("work_orders:read")
WRITE_ORDERS = requires_scope("work_orders:write")


def _service(uow: Any, principal: Any, container: Container) -> FieldService:
    return FieldService(uow, principal, container.clock)


def _done(uow: Any, result: GatewayResult) -> dict[str, Any]:
    uow.commit()
    result.raise_for_outcome()
    return dict(result.output or {})


# --- engineers ------------------------------------------------------------------------


@router.get("/field-engineers", response_model=EngineerPage, dependencies=[READ_RESOURCES])
def list_engineers(uow: UoW, principal: CurrentPrincipal, container: ContainerDep) -> Any:
    """Every field engineer of the workspace (users and partner staff)."""
    rows = _service(uow, principal, container).engineers()
    return EngineerPage(items=[EngineerOut.model_validate(r) for r in rows])


@router.post(
    "/field-engineers", status_code=201, response_model=EngineerOut, dependencies=[WRITE_RESOURCES]
)
def create_engineer(
    body: EngineerIn, uow: UoW, principal: CurrentPrincipal, container: ContainerDep
) -> Any:
    """Add a field engineer: skills, certifications (expiry), home base, hours, calendar."""
    row = _service(uow, principal, container).create_engineer(body)
    out = EngineerOut.model_validate(row)
    uow.commit()
    return out


@router.get(
    "/field-engineers/{engineer_id}", response_model=EngineerOut, dependencies=[READ_RESOURCES]
)
def get_engineer(
    engineer_id: Id, uow: UoW, principal: CurrentPrincipal, container: ContainerDep
) -> Any:
    return EngineerOut.model_validate(_service(uow, principal, container).engineer(engineer_id))


@router.patch(
    "/field-engineers/{engineer_id}", response_model=EngineerOut, dependencies=[WRITE_RESOURCES]
)
def update_engineer(
    engineer_id: Id,
    body: EngineerPatch,
    uow: UoW,
    principal: CurrentPrincipal,
    container: ContainerDep,
) -> Any:
    """Change skills, certifications, hours, calendar, regions or home base."""
    row = _service(uow, principal, container).update_engineer(engineer_id, body)
    out = EngineerOut.model_validate(row)
    uow.commit()
    return out


@router.put(
    "/field-engineers/{engineer_id}/location",
    response_model=EngineerOut,
    dependencies=[WRITE_RESOURCES],
)
def locate_engineer(
    engineer_id: Id,
    body: LocationIn,
    uow: UoW,
    principal: CurrentPrincipal,
    container: ContainerDep,
) -> Any:
    """The engineer's live location (a phone or vehicle reports it); an older fix than
    the one kept changes nothing."""
    row = _service(uow, principal, container).locate(engineer_id, body)
    out = EngineerOut.model_validate(row)
    uow.commit()
    return out


# --- providers ------------------------------------------------------------------------


@router.get("/field-providers", response_model=ProviderPage, dependencies=[READ_RESOURCES])
def list_providers(uow: UoW, principal: CurrentPrincipal, container: ContainerDep) -> Any:
    rows = _service(uow, principal, container).providers()
    return ProviderPage(items=[ProviderOut.model_validate(r) for r in rows])


@router.post(
    "/field-providers", status_code=201, response_model=ProviderOut, dependencies=[WRITE_RESOURCES]
)
def create_provider(
    body: ProviderIn, uow: UoW, principal: CurrentPrincipal, container: ContainerDep
) -> Any:
    """Add a service provider (partner company) with its number of bays."""
    out = ProviderOut.model_validate(_service(uow, principal, container).create_provider(body))
    uow.commit()
    return out


@router.get(
    "/field-providers/{provider_id}", response_model=ProviderOut, dependencies=[READ_RESOURCES]
)
def get_provider(
    provider_id: Id, uow: UoW, principal: CurrentPrincipal, container: ContainerDep
) -> Any:
    return ProviderOut.model_validate(_service(uow, principal, container).provider(provider_id))


@router.post(
    "/field-providers/{provider_id}/reservations",
    status_code=201,
    response_model=ReservationOut,
    dependencies=[WRITE_RESOURCES],
)
def reserve_bay(
    provider_id: Id,
    body: ReserveBayIn,
    uow: UoW,
    principal: CurrentPrincipal,
    gateway: GatewayDep,
    purpose: Purpose,
) -> Any:
    """Reserve one bay for ``slots`` slots from ``start`` (all day without ``start``);
    409 naming the full slot when no bay is free; tool ``providers.reserve_bay``."""
    args = {"provider_id": provider_id, **body.model_dump(mode="json", exclude_none=True)}
    out = _done(
        uow, gateway.execute(uow, principal, "providers.reserve_bay", args, purpose=purpose)
    )
    return ReservationOut(
        id=out["reservation_id"],
        provider_id=out["provider_id"],
        day=date.fromisoformat(out["day"]),
        start=out.get("start"),
        end=out.get("end"),
        work_order_id=body.work_order_id,
        note=body.note,
        bays_left=out["bays_left"],
    )


@router.get(
    "/field-providers/{provider_id}/slots", response_model=SlotsOut, dependencies=[READ_RESOURCES]
)
def provider_slots(
    provider_id: Id,
    uow: UoW,
    principal: CurrentPrincipal,
    container: ContainerDep,
    day: Annotated[date, Query(description="Local day of the provider")],
) -> Any:
    """The provider's bay slots on ``day``: reserved and free bays in each."""
    return _service(uow, principal, container).slots(provider_id, day)


# --- work orders ----------------------------------------------------------------------


@router.get("/work-orders", response_model=WorkOrderPage, dependencies=[READ_ORDERS])
def list_work_orders(
    uow: UoW,
    principal: CurrentPrincipal,
    container: ContainerDep,
    status: Annotated[list[str], Query(max_length=7)] = [],  # noqa: B006
    engineer_id: Annotated[str | None, Query(max_length=32)] = None,
    contact_id: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Any:
    """Work orders by time window, optionally by status, engineer or customer."""
    rows = _service(uow, principal, container).work_orders(status, engineer_id, contact_id, limit)
    return WorkOrderPage(items=[WorkOrderOut.model_validate(r) for r in rows])


@router.post(
    "/work-orders", status_code=201, response_model=WorkOrderOut, dependencies=[WRITE_ORDERS]
)
def create_work_order(
    body: WorkOrderIn,
    uow: UoW,
    principal: CurrentPrincipal,
    gateway: GatewayDep,
    purpose: Purpose,
) -> Any:
    """Propose a work order (tool ``workorders.propose``); it starts as ``proposed``."""
    args = body.model_dump(mode="json")
    out = _done(uow, gateway.execute(uow, principal, "workorders.propose", args, purpose=purpose))
    return out["work_order"]


@router.get(
    "/work-orders/{work_order_id}", response_model=WorkOrderDetail, dependencies=[READ_ORDERS]
)
def get_work_order(
    work_order_id: Id, uow: UoW, principal: CurrentPrincipal, container: ContainerDep
) -> Any:
    """The order with its status history, the asset's repair history, the customer (and
    their tickets), the engineer and the latest recommendation."""
    return _service(uow, principal, container).detail(work_order_id)


@router.post(
    "/work-orders/{work_order_id}/recommendation",
    response_model=dict[str, Any],
    dependencies=[READ_ORDERS],
)
def recommend(
    work_order_id: Id,
    body: RecommendIn,
    uow: UoW,
    principal: CurrentPrincipal,
    gateway: GatewayDep,
    purpose: Purpose,
) -> Any:
    """Rank the eligible engineers (tool ``dispatch.recommend``, read only): factors,
    weights and each engineer's contributions; the call's decision record keeps it."""
    args = {"work_order_id": work_order_id, **body.model_dump(exclude_none=True)}
    result = gateway.execute(uow, principal, "dispatch.recommend", args, purpose=purpose)
    out = _done(uow, result)
    return {**out, "decision_id": result.decision_id}


@router.post(
    "/work-orders/{work_order_id}/assign",
    response_model=dict[str, Any],
    dependencies=[WRITE_ORDERS],
)
def assign(
    work_order_id: Id,
    body: AssignIn,
    uow: UoW,
    principal: CurrentPrincipal,
    gateway: GatewayDep,
    purpose: Purpose,
) -> Any:
    """Assign and schedule (tool ``workorders.assign``); anyone but the recommendation's
    first choice is an override and needs ``reason``."""
    args = {"work_order_id": work_order_id, **body.model_dump(mode="json", exclude_none=True)}
    result = gateway.execute(uow, principal, "workorders.assign", args, purpose=purpose)
    out = _done(uow, result)
    return {**out, "decision_id": result.decision_id}


@router.post(
    "/work-orders/{work_order_id}/transition",
    response_model=WorkOrderOut,
    dependencies=[WRITE_ORDERS],
)
def transition(
    work_order_id: Id,
    body: TransitionIn,
    uow: UoW,
    principal: CurrentPrincipal,
    gateway: GatewayDep,
    purpose: Purpose,
) -> Any:
    """Move the order along its flow (409 when the flow does not allow it)."""
    args = {"work_order_id": work_order_id, **body.model_dump(exclude_none=True)}
    out = _done(
        uow, gateway.execute(uow, principal, "workorders.transition", args, purpose=purpose)
    )
    return out["work_order"]


@router.get("/dispatch/plan", response_model=dict[str, Any], dependencies=[READ_ORDERS])
def plan(
    uow: UoW,
    principal: CurrentPrincipal,
    container: ContainerDep,
    day: Annotated[date, Query(description="Local day (Asia/Shanghai) of the windows")],
) -> Any:
    """A greedy plan for the day's proposed orders (read only; assign to apply)."""
    return dispatch.plan_for_day(uow, principal, day, container.clock())
