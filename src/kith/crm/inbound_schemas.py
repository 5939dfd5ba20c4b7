"""Pydantic schemas of inbound events: what outside systems send, recorded as
interactions by ``kith.crm.inbound``.

Each inbound event type is a model derived from ``InboundData``: it says which
customer the event is about and how it reads as an interaction (channel,
subject, text). ``kith.crm.inbound_types`` keeps the registry keyed by type.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AnyHttpUrl,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    model_validator,
)

from kith.crm.schemas import Channel, Phone, RecordRef

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100_000)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Identifier = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
SUBJECT_LENGTH = 300  # interactions.subject


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CustomerRef(Strict):
    """Who the event is about. Identifiers are tried in this order: contact_id,
    external_id, app_user_id, email, phone (phone or mobile); the first that
    matches a contact of the workspace wins. A contact_id must exist; other
    identifiers that match no one leave the event without a contact."""

    contact_id: RecordRef | None = None
    external_id: Identifier | None = None
    app_user_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    email: EmailStr | None = None
    phone: Phone | None = None

    @model_validator(mode="after")
    def _needs_an_identifier(self) -> CustomerRef:
        if not self.model_dump(exclude_none=True):
            raise ValueError(
                "give at least one of contact_id, external_id, app_user_id, email, phone"
            )
        return self


class InboundData(Strict):
    """Base of every inbound event type's ``data``: how the event reads as an interaction."""

    # The interaction's channel; None: the event's data names it.
    CHANNEL: ClassVar[Channel | None] = "other"
    # The field holding the CustomerRef (for error paths), if the type has one.
    CUSTOMER_FIELD: ClassVar[str | None] = None

    def about(self) -> CustomerRef | None:
        """The customer the event is about, if the sender knows."""
        ref = getattr(self, self.CUSTOMER_FIELD) if self.CUSTOMER_FIELD else None
        return ref if isinstance(ref, CustomerRef) else None

    def interaction_channel(self) -> Channel:
        return self.CHANNEL or "other"

    def interaction_subject(self) -> str:
        raise NotImplementedError

    def interaction_text(self) -> str | None:
        return None


class InteractionInbound(InboundData):
    """A message from a customer on any channel: chat, email, a call note, WeChat, SMS."""

    CHANNEL: ClassVar[Channel | None] = None
    CUSTOMER_FIELD: ClassVar[str | None] = "customer"

    customer: CustomerRef
    channel: Channel
    subject: Annotated[str, StringConstraints(max_length=SUBJECT_LENGTH)] | None = None
    text: Text
    meta: dict[str, Any] = Field(default_factory=dict)

    def interaction_channel(self) -> Channel:
        return self.channel

    def interaction_subject(self) -> str:
        return self.subject or self.text[:SUBJECT_LENGTH]

    def interaction_text(self) -> str:
        return self.text


class WebVisit(InboundData):
    """A page view on the company's website by a known visitor."""

    CHANNEL: ClassVar[Channel | None] = "web"
    CUSTOMER_FIELD: ClassVar[str | None] = "visitor"

    visitor: CustomerRef
    page: Annotated[str, StringConstraints(min_length=1, max_length=SUBJECT_LENGTH - 8)]
    url: AnyHttpUrl
    duration_s: Annotated[float, Field(ge=0, le=86_400)] | None = None
    referrer: Annotated[str, StringConstraints(max_length=2000)] | None = None

    def interaction_subject(self) -> str:
        return f"Visited {self.page}"


class AppEvent(InboundData):
    """Something a user did in the company's app (opened a screen, sent feedback)."""

    CHANNEL: ClassVar[Channel | None] = "app"

    app_user_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    name: Label
    text: Text | None = None
    properties: dict[str, Any] = Field(default_factory=dict)

    def about(self) -> CustomerRef:
        return CustomerRef(app_user_id=self.app_user_id)

    def interaction_subject(self) -> str:
        return self.name

    def interaction_text(self) -> str | None:
        return self.text


class TelemetryMetrics(BaseModel):
    """Readings by name; the common ones are typed and range-checked, others must be numbers."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, float] = Field(init=False)

    battery_temp_c: Annotated[float, Field(ge=-80, le=200)] | None = None
    soh_pct: Annotated[float, Field(ge=0, le=100)] | None = None
    soc_pct: Annotated[float, Field(ge=0, le=100)] | None = None
    range_km: Annotated[float, Field(ge=0)] | None = None
    odometer_km: Annotated[float, Field(ge=0)] | None = None


class TelemetryReading(InboundData):
    """A reading from a device or vehicle (IoT); ``owner`` ties it to a customer."""

    CHANNEL: ClassVar[Channel | None] = "iot"
    CUSTOMER_FIELD: ClassVar[str | None] = "owner"

    device_id: Identifier
    vehicle_id: Identifier | None = None
    model: Label | None = None
    region: Label | None = None
    owner: CustomerRef | None = None
    metrics: TelemetryMetrics

    @model_validator(mode="after")
    def _needs_a_metric(self) -> TelemetryReading:
        if not self.metrics.model_dump(exclude_none=True):
            raise ValueError("metrics needs at least one reading")
        return self

    def interaction_subject(self) -> str:
        return f"Telemetry {self.model or 'device'} {self.vehicle_id or self.device_id}"


class BusinessEvent(InboundData):
    """A business event from another system (ERP, billing, manufacturing, ...)."""

    CUSTOMER_FIELD: ClassVar[str | None] = "customer"

    system: Label
    name: Label
    customer: CustomerRef | None = None
    data: dict[str, Any] = Field(default_factory=dict)

    def interaction_subject(self) -> str:
        return f"{self.system}: {self.name}"


class InboundEventIn(Strict):
    """The body of ``POST /api/v1/events``; ``data`` follows the type's schema."""

    type: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    data: dict[str, Any]
    idempotency_key: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
        | None
    ) = Field(
        default=None,
        description="Your system's id for this event; the same key is accepted once.",
    )
    occurred_at: AwareDatetime | None = Field(
        default=None, description="When it happened (default: when Kith received it)."
    )


class InboundAccepted(BaseModel):
    status: Literal["accepted", "duplicate"]
    type: str
    interaction_id: str
    contact_id: str | None
    account_id: str | None


class InboundLineOut(BaseModel):
    """One line of a batch: accepted, duplicate or refused (with its field paths)."""

    line: int
    status: Literal["accepted", "duplicate", "refused"]
    interaction_id: str | None = None
    reason: str | None = None
    errors: list[dict[str, Any]] = Field(default_factory=list)

    @classmethod
    def of(cls, line: int, outcome: Any) -> InboundLineOut:
        if isinstance(outcome, InboundAccepted):
            return cls(line=line, status=outcome.status, interaction_id=outcome.interaction_id)
        error = outcome.error
        return cls(
            line=line,
            status="refused",
            reason=error.detail,
            errors=[e.as_dict() for e in error.errors],
        )


class InboundBatchOut(BaseModel):
    accepted: int
    duplicates: int
    refused: int
    results: list[InboundLineOut]

    @classmethod
    def of(cls, results: list[InboundLineOut]) -> InboundBatchOut:
        def count(status: str) -> int:
            return sum(r.status == status for r in results)

        return cls(
            accepted=count("accepted"),
            duplicates=count("duplicate"),
            refused=count("refused"),
            results=results,
        )


class EventSchemaOut(BaseModel):
    type: str
    description: str
    channel: Channel | None = Field(
        description="Channel of the interaction it becomes; null: data.channel says."
    )
    json_schema: dict[str, Any]
