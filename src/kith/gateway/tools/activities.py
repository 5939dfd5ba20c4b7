"""Tasks, notes, logged interactions and meetings — all records, written through
``RecordService`` so permissions, field rules, events and the timeline apply."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from kith.crm.schemas import ActivityIn, Attendee, Channel, InteractionIn, RecordRef
from kith.gateway.registry import ToolContext, Undo, tool
from kith.gateway.tools.common import PURPOSES, require_contact, require_user

Subject = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Text = Annotated[str, StringConstraints(max_length=20_000)]


class Links(BaseModel):
    """The records an activity belongs to (any may be omitted)."""

    model_config = ConfigDict(extra="forbid")

    account_id: RecordRef | None = None
    contact_id: RecordRef | None = None
    deal_id: RecordRef | None = None
    ticket_id: RecordRef | None = None
    lead_id: RecordRef | None = None


class CreateTaskIn(Links):
    subject: Subject
    body: Text | None = None
    due_at: AwareDatetime | None = None
    assignee_id: RecordRef | None = None


class AddNoteIn(Links):
    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
    subject: Subject | None = None


class ScheduleMeetingIn(Links):
    subject: Subject
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    location: Annotated[str, StringConstraints(max_length=200)] | None = None
    body: Text | None = None
    attendees: list[Attendee] = Field(default_factory=list, max_length=200)


class LogInteractionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: Channel
    direction: Literal["inbound", "outbound"]
    text: Annotated[str, StringConstraints(max_length=100_000)]
    subject: Annotated[str, StringConstraints(max_length=300)] | None = None
    occurred_at: AwareDatetime | None = None
    contact_id: RecordRef | None = None
    account_id: RecordRef | None = None
    deal_id: RecordRef | None = None
    ticket_id: RecordRef | None = None


class ActivityOut(BaseModel):
    id: str
    kind: str
    subject: str
    version: int


class MeetingOut(ActivityOut):
    starts_at: datetime
    ends_at: datetime
    ics_url: str


class InteractionOut(BaseModel):
    id: str
    channel: str
    direction: str
    version: int


def _create_activity(
    ctx: ToolContext, kind: Literal["task", "note", "meeting"], fields: dict[str, Any]
) -> dict[str, Any]:
    record = ctx.records.create("activity", ActivityIn(kind=kind, **fields))
    ctx.about("activity", record["id"])
    return record


def _activity_out(record: dict[str, Any]) -> ActivityOut:
    return ActivityOut(
        id=record["id"], kind=record["kind"], subject=record["subject"], version=record["version"]
    )


@tool(
    "tasks.create",
    purposes=PURPOSES,
    touches=("activity",),
    description="Create a follow-up task, optionally assigned and due at a time",
    undo=Undo("delete_created", "activity"),
)
def create_task(ctx: ToolContext, args: CreateTaskIn) -> ActivityOut:
    if args.assignee_id:
        require_user(ctx, args.assignee_id, "assignee_id")
    return _activity_out(_create_activity(ctx, "task", args.model_dump(exclude_unset=True)))


@tool(
    "notes.add",
    purposes=PURPOSES,
    touches=("activity",),
    description="Add a note to a customer, deal, ticket or lead",
    undo=Undo("delete_created", "activity"),
)
def add_note(ctx: ToolContext, args: AddNoteIn) -> ActivityOut:
    fields = args.model_dump(exclude_unset=True)
    fields.setdefault("subject", args.body.splitlines()[0][:80])
    return _activity_out(_create_activity(ctx, "note", fields))


@tool(
    "meetings.schedule",
    purposes=PURPOSES,
    touches=("activity",),
    description="Schedule a meeting with users, contacts or email attendees (.ics export)",
    undo=Undo("delete_created", "activity"),
)
def schedule_meeting(ctx: ToolContext, args: ScheduleMeetingIn) -> MeetingOut:
    for i, attendee in enumerate(args.attendees):
        if attendee.kind == "user":
            require_user(ctx, attendee.ref, "attendees", i, "ref")
        elif attendee.kind == "contact":
            require_contact(ctx, attendee.ref, "attendees", i, "ref")
    record = _create_activity(ctx, "meeting", args.model_dump(exclude_unset=True))
    return MeetingOut(
        **_activity_out(record).model_dump(),
        starts_at=record["starts_at"],
        ends_at=record["ends_at"],
        ics_url=f"/api/v1/activities/{record['id']}/ics",
    )


@tool(
    "interactions.log",
    purposes=PURPOSES,
    touches=("interaction",),
    description="Log a call, message or visit that happened outside Kith",
    undo=Undo("delete_created", "interaction"),
)
def log_interaction(ctx: ToolContext, args: LogInteractionIn) -> InteractionOut:
    record = ctx.records.create("interaction", InteractionIn(**args.model_dump(exclude_unset=True)))
    ctx.about("interaction", record["id"])
    return InteractionOut(
        id=record["id"],
        channel=record["channel"],
        direction=record["direction"],
        version=record["version"],
    )
