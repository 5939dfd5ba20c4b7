"""HTTP routes of the events context: inbound events, their schemas, the outbox."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from kith.api.deps import CurrentPrincipal, UoW, requires_scope
from kith.api.edge import INT64_MAX
from kith.api.responses import KithJSON
from kith.events import service
from kith.events.inbound import describe_inbound_types
from kith.events.schemas import (
    EventSchemaOut,
    InboundAccepted,
    InboundEventIn,
    OutboxEventOut,
    OutboxPage,
)

router = APIRouter(prefix="/api/v1", default_response_class=KithJSON, tags=["Events"])


async def _raw_body(request: Request) -> bytes:
    """The body as sent: the service validates it, and keeps it if it is refused."""
    return await request.body()


@router.post(
    "/events",
    status_code=201,
    response_model=InboundAccepted,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": InboundEventIn.model_json_schema()}},
        }
    },
    responses={
        200: {"model": InboundAccepted, "description": "Already accepted (same idempotency key)"},
        422: {"description": "Refused; the refusal is kept in inbound_rejections"},
    },
    dependencies=[requires_scope("events:write")],
)
def receive_event(
    raw: Annotated[bytes, Depends(_raw_body)],
    response: Response,
    uow: UoW,
    principal: CurrentPrincipal,
) -> InboundAccepted:
    """Accept an event from another system (interaction, web visit, app event,
    telemetry, business event). It is recorded as an interaction of the customer
    it names and reaches consumers as ``interaction.received``. Needs the
    ``events:write`` scope."""
    outcome = service.InboundService(uow, principal).receive(raw)
    uow.commit()
    if isinstance(outcome, service.Rejected):
        raise outcome.error
    if outcome.status == "duplicate":
        response.status_code = 200
    return outcome


@router.get(
    "/event-schemas",
    response_model=list[EventSchemaOut],
    dependencies=[requires_scope("events:read")],
)
def list_event_schemas(principal: CurrentPrincipal) -> list[EventSchemaOut]:
    """The inbound event types ``POST /api/v1/events`` accepts, with the JSON Schema of ``data``."""
    return [EventSchemaOut.model_validate(d) for d in describe_inbound_types()]


@router.get("/events", response_model=OutboxPage, dependencies=[requires_scope("events:read")])
def read_outbox(
    uow: UoW,
    principal: CurrentPrincipal,
    after_seq: Annotated[int, Query(ge=0, le=INT64_MAX, description="Events after this seq")] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    event_type: Annotated[
        str | None, Query(alias="type", max_length=64, description="Only this type")
    ] = None,
) -> OutboxPage:
    """The workspace's committed domain events in order (admins)."""
    rows = service.outbox_page(uow, principal, after_seq, limit, event_type)
    items = [OutboxEventOut.model_validate(row, from_attributes=True) for row in rows]
    return OutboxPage(items=items, next_after_seq=items[-1].seq if len(items) == limit else None)
