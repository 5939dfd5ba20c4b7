"""Request and response bodies of the webhook API, and the JSON Schema of what a
receiver gets (``WebhookBody``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
TypeName = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Filter = Annotated[str, StringConstraints(max_length=4000)]


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    url: Url = Field(description="Where events are POSTed (http or https).")
    event_types: list[TypeName] = Field(
        min_length=1, max_length=200, description="Registered event types, or ['*'] for all."
    )
    filter: Filter | None = Field(
        default=None,
        description="Optional CEL condition over `event` (the body a receiver gets), e.g. "
        '`event.data.record.city == "上海"`.',
    )
    active: bool = True


class WebhookPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1, le=2_000_000_000, description="The version you read.")
    name: Name | None = None
    url: Url | None = None
    event_types: list[TypeName] | None = Field(default=None, min_length=1, max_length=200)
    filter: Filter | None = None
    active: bool | None = Field(
        default=None, description="false pauses; true re-enables (failure count starts over)."
    )


class WebhookOut(BaseModel):
    id: str
    name: str
    url: str
    event_types: list[str]
    filter: str | None
    owner_id: str
    active: bool
    disabled_reason: str | None
    disabled_at: datetime | None
    consecutive_failures: int
    version: int
    created_at: datetime
    updated_at: datetime
    deliveries: dict[str, int] = Field(description="Deliveries by status.")


class WebhookWithSecret(WebhookOut):
    secret: str = Field(description="The signing secret; shown only now.")


class AttemptOut(BaseModel):
    number: int
    started_at: datetime
    latency_ms: float
    ok: bool
    status_code: int | None
    error: str | None
    response_body: str | None


class DeliveryOut(BaseModel):
    id: str
    subscription_id: str
    event_id: str
    event_type: str
    seq: int
    status: str
    attempts: int
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    body: dict[str, Any]
    attempt_log: list[AttemptOut]


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    next_before_seq: int | None


class Subject(BaseModel):
    type: str
    id: str


class EventActor(BaseModel):
    kind: str
    id: str | None


class WebhookBody(BaseModel):
    """The JSON body of every webhook request (signed; see docs/integrate.md)."""

    id: str = Field(description="The event id: the same on every retry; de-duplicate on it.")
    type: str
    occurred_at: datetime
    tenant_id: str
    subject: Subject
    actor: EventActor
    data: dict[str, Any] = Field(description="The event's payload as the owner may see it.")


class WebhookEventType(BaseModel):
    type: str
    producer: str
    description: dict[str, str]
    data_schema: dict[str, Any] | None


class WebhookCatalogue(BaseModel):
    body_schema: dict[str, Any]
    headers: dict[str, str]
    items: list[WebhookEventType]
