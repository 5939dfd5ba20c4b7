"""Service tickets: open, assign, escalate (SLA and status history come from the ticket rules)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from kith.crm.schemas import ActivityIn, Channel, Priority, RecordRef, TicketIn
from kith.crm.specs import PATCH_SCHEMAS
from kith.gateway.registry import ToolContext, Undo, tool
from kith.gateway.tools.common import require_user, version_to_write

SERVICE_PURPOSES = ("service", "crm_ui", "api")


class CreateTicketIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    description: Annotated[str, StringConstraints(max_length=20_000)] | None = None
    priority: Priority = "normal"
    severity: Literal["s1", "s2", "s3", "s4"] = "s3"
    category: Annotated[str, StringConstraints(max_length=200)] | None = None
    channel: Channel | None = None
    contact_id: RecordRef | None = None
    account_id: RecordRef | None = None
    order_id: RecordRef | None = None
    product_id: RecordRef | None = None
    assignee_id: RecordRef | None = None


class AssignTicketIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ticket_id: RecordRef
    assignee_id: RecordRef
    team_id: RecordRef | None = None
    version: int | None = None


class EscalateTicketIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ticket_id: RecordRef
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000)]
    priority: Literal["high", "urgent"] | None = None
    version: int | None = None


class TicketOut(BaseModel):
    id: str
    number: str | None
    status: str
    priority: str
    assignee_id: str | None
    escalated: bool
    version: int


def _ticket_out(record: dict[str, Any]) -> TicketOut:
    return TicketOut.model_validate(record)


def _patch_ticket(ctx: ToolContext, ticket_id: str, version: int | None, **changes: Any) -> Any:
    patch = PATCH_SCHEMAS["ticket"](
        version=version_to_write(ctx, "ticket", ticket_id, version), **changes
    )
    return ctx.records.update("ticket", ticket_id, patch)


@tool(
    "tickets.create",
    purposes=SERVICE_PURPOSES,
    touches=("ticket",),
    description="Open a service ticket (numbered, SLA due times from its priority)",
    undo=Undo("delete_created", "ticket"),
)
def create_ticket(ctx: ToolContext, args: CreateTicketIn) -> TicketOut:
    if args.assignee_id:
        require_user(ctx, args.assignee_id, "assignee_id")
    record = ctx.records.create("ticket", TicketIn(**args.model_dump(exclude_unset=True)))
    # The customer it was opened for, as written: the decision need not read it back.
    ctx.about(
        "ticket",
        record["id"],
        account_id=record.get("account_id"),
        contact_id=record.get("contact_id"),
    )
    return _ticket_out(record)


@tool(
    "tickets.assign",
    purposes=SERVICE_PURPOSES,
    touches=("ticket.assignee_id",),
    idempotent=True,
    description="Assign a ticket to a user (and optionally a team)",
    undo=Undo("restore_previous", "ticket", ("assignee_id",)),
)
def assign_ticket(ctx: ToolContext, args: AssignTicketIn) -> TicketOut:
    require_user(ctx, args.assignee_id, "assignee_id")
    changes: dict[str, Any] = {"assignee_id": args.assignee_id}
    if args.team_id:
        changes["team_id"] = args.team_id
    return _ticket_out(_patch_ticket(ctx, args.ticket_id, args.version, **changes))


@tool(
    "tickets.escalate",
    purposes=SERVICE_PURPOSES,
    touches=("ticket.escalated",),
    risk="medium",
    description="Escalate a ticket, raising its priority; the reason is noted on the ticket",
)
def escalate_ticket(ctx: ToolContext, args: EscalateTicketIn) -> TicketOut:
    changes: dict[str, Any] = {"escalated": True}
    if args.priority:
        changes["priority"] = args.priority
    record = _patch_ticket(ctx, args.ticket_id, args.version, **changes)
    ctx.records.create(
        "activity",
        ActivityIn(
            kind="note",
            subject=f"Escalated: {args.reason}"[:300],
            body=args.reason,
            ticket_id=args.ticket_id,
        ),
    )
    return _ticket_out(record)
