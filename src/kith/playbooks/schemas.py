"""Input and output shapes of the playbooks context.

A practice's verification points and circuit breaker name registered event types
(``kith.core.event_types``) and CEL conditions (``kith.core.expressions``) over two
variables: ``event`` ({type, subject_type, subject_id, payload}) and ``deal`` ({id,
status, stage, stage_kind, amount, probability}); they are compiled when the practice
is saved, so a typo is refused with its field path rather than failing later.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
Comment = Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=4000)]
Key = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,40}$")]

# The shared vocabulary of situation tags: dimension -> allowed values. Free tags
# carry anything else.
VOCABULARY: dict[str, tuple[str, ...]] = {
    "industry": (
        "government",
        "hospital",
        "logistics",
        "manufacturing",
        "retail",
        "finance",
        "education",
        "energy",
        "automotive",
        "technology",
        "medical_devices",
        "hospitality",
    ),
    "stage": ("qualification", "needs", "proposal", "budget_approval", "negotiation", "tender"),
    "deal_size": ("small", "medium", "large"),
    "customer_type": ("key", "standard", "new", "renewal"),
    "buying_committee": ("single", "multi_department", "joint_review", "tender_panel"),
}
# deal_size bands in the deal's currency: small < 100k ≤ medium < 1M ≤ large
SIZE_BANDS: tuple[tuple[str, float], ...] = (("small", 100_000.0), ("medium", 1_000_000.0))
# The tools an action step may call (one click applies them through the gateway).
STEP_TOOLS = ("tasks.create", "notes.add", "email.draft", "meetings.schedule")
CEL_VARIABLES = ("event", "deal")
PracticeState = Literal["private", "in_review", "published", "retired"]


class ActionStep(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: Label
    tool: Literal["tasks.create", "notes.add", "email.draft", "meetings.schedule"] = "tasks.create"
    args: dict[str, Any] = Field(default_factory=dict)
    due_hours: int | None = Field(default=None, ge=0, le=24 * 90)


class VerificationPoint(BaseModel):
    """An observable condition: an event (type + optional CEL condition) checked
    automatically, or ``confirm`` — the rep confirms it."""

    model_config = ConfigDict(extra="forbid")

    key: Key
    label: Label
    kind: Literal["event", "confirm"] = "event"
    event_type: str | None = Field(default=None, max_length=64)
    condition: str | None = Field(default=None, max_length=2000)
    customer_value: bool = False  # meeting it confirms the value to the customer

    @model_validator(mode="after")
    def _event_needs_type(self) -> VerificationPoint:
        if self.kind == "event" and not self.event_type:
            raise ValueError("an event verification point needs event_type")
        return self


class CircuitBreaker(BaseModel):
    """Stops the practice when the awaited event (``event_type`` + ``condition``) has
    not happened within ``hours`` of applying it; without an event type, when no
    verification point is met by then."""

    model_config = ConfigDict(extra="forbid")

    label: Label
    hours: int = Field(ge=1, le=24 * 90)
    event_type: str | None = Field(default=None, max_length=64)
    condition: str | None = Field(default=None, max_length=2000)


class Attachment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Label
    url: Annotated[str, StringConstraints(max_length=1000)]


class PracticeBody(BaseModel):
    """The four elements of a micro-practice unit plus its title."""

    model_config = ConfigDict(extra="forbid")

    title: Label
    summary: Annotated[str, StringConstraints(max_length=4000)] | None = None
    situation: dict[str, list[Tag]] = Field(default_factory=dict)
    free_tags: list[Tag] = Field(default_factory=list, max_length=30)
    actions: list[ActionStep] = Field(default_factory=list, max_length=30)
    verification: list[VerificationPoint] = Field(default_factory=list, max_length=20)
    breaker: CircuitBreaker | None = None
    attachments: list[Attachment] = Field(default_factory=list, max_length=20)


class PracticePatch(PracticeBody):
    version: int = Field(ge=1, le=1_000_000)


class CaptureIn(BaseModel):
    """Capture from a record: the draft is pre-filled, then ``overrides`` apply."""

    model_config = ConfigDict(extra="forbid")

    source_type: Literal["deal"] = "deal"
    source_id: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    title: Label | None = None
    overrides: dict[str, Any] = Field(default_factory=dict)


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    verdict: Literal["effective", "not_effective"]
    comment: Comment


class ValueConfirmationIn(BaseModel):
    """A customer's written confirmation of the value (what they said, who, where)."""

    model_config = ConfigDict(extra="forbid")

    text: Comment
    customer: Label
    source: Label | None = None


class ApplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    deal_id: Annotated[str, StringConstraints(min_length=1, max_length=32)]


class ConfirmPointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: Key
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None


class GateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    required_reviews: int = Field(ge=1, le=20)
    reviewer_roles: list[Annotated[str, StringConstraints(min_length=1, max_length=64)]] = Field(
        min_length=1, max_length=20
    )
    require_customer_value: bool = True


class AnchorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Label
    metric: Literal["ticket_resolution_hours", "renewal_rate", "lead_contact_share"]
    params: dict[str, Any] = Field(default_factory=dict)
    dimensions: list[Annotated[str, StringConstraints(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=10
    )
    baseline: float = Field(ge=0, le=1_000_000)
    target: float = Field(ge=0, le=1_000_000)
    starts_on: date
    deadline: date
    owner_id: Annotated[str, StringConstraints(min_length=1, max_length=32)]

    @model_validator(mode="after")
    def _dates(self) -> AnchorIn:
        if self.deadline <= self.starts_on:
            raise ValueError("deadline must be after starts_on")
        if self.baseline == self.target:
            raise ValueError("target must differ from baseline")
        return self
