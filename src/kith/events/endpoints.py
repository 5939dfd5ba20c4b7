"""HTTP routes of the events context: the outbox and the event catalogue (inbound events:
kith.crm.inbound_endpoints)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from kith.api.deps import CurrentPrincipal, UoW, requires_scope
from kith.api.edge import INT64_MAX
from kith.api.responses import KithJSON
from kith.events import catalog, service
from kith.events.schemas import EventCatalogue, EventTypeOut, OutboxEventOut, OutboxPage

router = APIRouter(prefix="/api/v1", default_response_class=KithJSON, tags=["Events"])


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


@router.get(
    "/events/catalogue",
    response_model=EventCatalogue,
    dependencies=[requires_scope("events:read")],
)
def event_catalogue(principal: CurrentPrincipal) -> EventCatalogue:
    """Every domain event type Kith emits, in registry order: its zh/en description, the
    context that emits it and, where declared, its payload's JSON Schema (the same
    catalogue as ``kith events types --json`` and docs/events.md)."""
    return EventCatalogue(items=[EventTypeOut.model_validate(row) for row in catalog.rows()])
