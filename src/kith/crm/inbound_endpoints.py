"""HTTP routes of inbound events: ``POST /api/v1/events`` and the schemas it accepts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from kith.api.deps import CurrentPrincipal, UoW, requires_scope
from kith.api.responses import KithJSON
from kith.core.errors import FieldError, ValidationFailed
from kith.crm.inbound import InboundService, Rejected
from kith.crm.inbound_schemas import (
    EventSchemaOut,
    InboundAccepted,
    InboundBatchOut,
    InboundEventIn,
    InboundLineOut,
)
from kith.crm.inbound_types import describe_inbound_types

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
    outcome = InboundService(uow, principal).receive(raw)
    uow.commit()
    if isinstance(outcome, Rejected):
        raise outcome.error
    if outcome.status == "duplicate":
        response.status_code = 200
    return outcome


MAX_BATCH_LINES = 10_000


@router.post(
    "/events/batch",
    response_model=InboundBatchOut,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-ndjson": {
                    "schema": {"type": "string", "description": "one POST /events body per line"}
                }
            },
        }
    },
    dependencies=[requires_scope("events:write")],
)
def receive_events(
    raw: Annotated[bytes, Depends(_raw_body)], uow: UoW, principal: CurrentPrincipal
) -> InboundBatchOut:
    """Batch telemetry (NDJSON): one ``POST /events`` body per line, at most 10,000
    lines. Every line is validated on its own (a savepoint each): refused lines are
    recorded with their field paths and do not stop the others; the accepted ones
    commit together, so an answer means they are stored. Resend a failed request with
    the same idempotency keys and nothing is stored twice."""
    lines = [line for line in raw.splitlines() if line.strip()]
    if not lines or len(lines) > MAX_BATCH_LINES:
        raise ValidationFailed(
            f"send 1 to {MAX_BATCH_LINES:,} lines of JSON",
            [FieldError(["body"], f"{len(lines)} lines", "batch_size")],
        )
    service = InboundService(uow, principal)
    results: list[InboundLineOut] = []
    for number, line in enumerate(lines, start=1):
        with uow.session.begin_nested():
            outcome = service.receive(line)
        results.append(InboundLineOut.of(number, outcome))
    uow.commit()
    return InboundBatchOut.of(results)


@router.get(
    "/event-schemas",
    response_model=list[EventSchemaOut],
    dependencies=[requires_scope("events:read")],
)
def list_event_schemas(principal: CurrentPrincipal) -> list[EventSchemaOut]:
    """The inbound event types ``POST /api/v1/events`` accepts, with the JSON Schema of ``data``."""
    return [EventSchemaOut.model_validate(d) for d in describe_inbound_types()]
