"""Request schemas of the CRM records.

Each object has one hand-written *input* schema (what a client may set on
create). The patch schema (every field optional, plus the ``version`` the
client last saw) and the read schema (every column) are derived from it and
from the ORM model in ``specs.py``, so the three cannot drift apart.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Phone = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=40, pattern=r"^\+?[0-9()\-\s.]{3,40}$")
]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
RecordRef = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
Amount = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2)]

Channel = Literal["email", "phone", "sms", "chat", "wechat", "app", "web", "iot", "other"]


class RecordIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    owner_id: RecordRef | None = None
    external_id: Annotated[str, StringConstraints(max_length=128)] | None = None
    custom: dict[str, Any] = Field(default_factory=dict)


class ContactChannel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["email", "phone", "mobile", "wechat", "app", "whatsapp", "other"]
    value: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=254)]
    label: ShortText | None = None


class AccountIn(RecordIn):
    name: Name
    short_name: ShortText | None = None
    industry: ShortText | None = None
    tier: Literal["strategic", "key", "standard", "smb"] | None = None
    website: ShortText | None = None
    email: EmailStr | None = None
    phone: Phone | None = None
    city: ShortText | None = None
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] | None = None
    address: Annotated[str, StringConstraints(max_length=500)] | None = None
    employees: Annotated[int, Field(ge=0)] | None = None
    annual_revenue: Amount | None = None
    tax_id: ShortText | None = None
    bank_account: ShortText | None = None
    parent_id: RecordRef | None = None


class ContactIn(RecordIn):
    name: Name
    family_name: ShortText | None = None
    given_name: ShortText | None = None
    title: ShortText | None = None
    department: ShortText | None = None
    account_id: RecordRef | None = None
    email: EmailStr | None = None
    phone: Phone | None = None
    mobile: Phone | None = None
    wechat_id: ShortText | None = None
    app_user_id: ShortText | None = None
    channels: list[ContactChannel] = Field(default_factory=list, max_length=50)
    language: Literal["zh", "en"] | None = None
    city: ShortText | None = None
    id_number: Annotated[str, StringConstraints(pattern=r"^[0-9]{17}[0-9Xx]$")] | None = None
    bank_account: Annotated[str, StringConstraints(pattern=r"^[0-9 ]{8,32}$")] | None = None


LeadStatus = Literal["new", "working", "qualified", "disqualified", "converted"]


class LeadIn(RecordIn):
    name: Name
    company: ShortText | None = None
    title: ShortText | None = None
    email: EmailStr | None = None
    phone: Phone | None = None
    source: ShortText | None = None
    industry: ShortText | None = None
    status: Literal["new", "working", "qualified", "disqualified"] = "new"
    description: Annotated[str, StringConstraints(max_length=10_000)] | None = None


class PipelineIn(RecordIn):
    name: Name
    is_default: bool = False


class DealIn(RecordIn):
    name: Name
    account_id: RecordRef | None = None
    contact_id: RecordRef | None = None
    pipeline_id: RecordRef | None = None
    stage_id: RecordRef | None = None
    amount: Amount | None = None
    currency: Currency = "CNY"
    probability: Annotated[int, Field(ge=0, le=100)] | None = None
    expected_close: date | None = None
    lost_reason: ShortText | None = None
    source: ShortText | None = None
    description: Annotated[str, StringConstraints(max_length=10_000)] | None = None


TicketStatus = Literal["new", "open", "pending", "resolved", "closed"]
Priority = Literal["low", "normal", "high", "urgent"]


class TicketIn(RecordIn):
    subject: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    description: Annotated[str, StringConstraints(max_length=20_000)] | None = None
    account_id: RecordRef | None = None
    contact_id: RecordRef | None = None
    order_id: RecordRef | None = None
    product_id: RecordRef | None = None
    priority: Priority = "normal"
    severity: Literal["s1", "s2", "s3", "s4"] = "s3"
    category: ShortText | None = None
    status: TicketStatus = "new"
    channel: Channel | None = None
    assignee_id: RecordRef | None = None
    team_id: RecordRef | None = None
    escalated: bool = False


class Attendee(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["user", "contact", "email"]
    ref: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=254)]
    response: Literal["needs_action", "accepted", "declined", "tentative"] = "needs_action"


class ActivityIn(RecordIn):
    kind: Literal["task", "note", "call", "meeting"]
    subject: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    body: Annotated[str, StringConstraints(max_length=20_000)] | None = None
    status: Literal["open", "done", "cancelled"] = "open"
    assignee_id: RecordRef | None = None
    due_at: datetime | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    location: ShortText | None = None
    attendees: list[Attendee] = Field(default_factory=list, max_length=200)
    account_id: RecordRef | None = None
    contact_id: RecordRef | None = None
    deal_id: RecordRef | None = None
    ticket_id: RecordRef | None = None
    lead_id: RecordRef | None = None


class InteractionIn(RecordIn):
    channel: Channel
    direction: Literal["inbound", "outbound"]
    occurred_at: datetime | None = None
    contact_id: RecordRef | None = None
    account_id: RecordRef | None = None
    deal_id: RecordRef | None = None
    ticket_id: RecordRef | None = None
    subject: Annotated[str, StringConstraints(max_length=300)] | None = None
    text: Annotated[str, StringConstraints(max_length=100_000)] | None = None
    meta: dict[str, Any] = Field(default_factory=dict)


class ProductIn(RecordIn):
    sku: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    name: Name
    category: ShortText | None = None
    price: Amount | None = None
    currency: Currency = "CNY"
    active: bool = True
    description: Annotated[str, StringConstraints(max_length=10_000)] | None = None


class OrderLine(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: RecordRef
    quantity: Annotated[int, Field(gt=0, le=1_000_000)]
    unit_price: Amount


class OrderIn(RecordIn):
    number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
    account_id: RecordRef | None = None
    contact_id: RecordRef | None = None
    status: Literal["placed", "paid", "shipped", "delivered", "cancelled", "returned"] = "placed"
    ordered_at: datetime | None = None
    currency: Currency = "CNY"
    lines: list[OrderLine] = Field(default_factory=list, max_length=500)


# --- non-record payloads -------------------------------------------------


class StageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    probability: Annotated[int, Field(ge=0, le=100)]
    kind: Literal["open", "won", "lost"] = "open"


class StageOut(BaseModel):
    id: str
    name: str
    position: int
    probability: int
    kind: str


class LeadConversionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int
    account_id: RecordRef | None = Field(
        None, description="Attach to this account instead of matching or creating one."
    )
    contact_id: RecordRef | None = Field(
        None, description="Attach to this contact instead of matching or creating one."
    )
    create_deal: bool = True
    deal_name: ShortText | None = None
    amount: Amount | None = None
    pipeline_id: RecordRef | None = None


class LeadConversionOut(BaseModel):
    lead_id: str
    account_id: str
    contact_id: str
    deal_id: str | None
    account_created: bool
    contact_created: bool


FieldType = Literal["text", "number", "date", "enum", "bool"]


class FieldDefinitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    object_type: str
    name: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,62}$")]
    type: FieldType
    label_en: Name
    label_zh: ShortText | None = None
    options: list[Annotated[str, StringConstraints(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=200
    )
    required: bool = False


class FieldDefinitionOut(BaseModel):
    id: str
    object_type: str
    name: str
    type: str
    label_en: str
    label_zh: str | None
    options: list[Any]
    required: bool


class TimelineItem(BaseModel):
    id: str
    event_type: str
    subject_type: str
    subject_id: str
    actor_kind: str
    actor_id: str | None
    actor_name: str | None
    summary: str | None
    payload: dict[str, Any]
    occurred_at: datetime
