"""Request and response bodies of the gateway's HTTP API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from kith.gateway.models import ApprovalRequest, Notification, OutboundMessage

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000)]


class InvokeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    args: dict[str, Any] = Field(default_factory=dict)
    purpose: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    idempotency_key: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None


class CallPreviewIn(BaseModel):
    """A call to preview: the caller's own, as ``POST /tools/{name}/invoke`` would make it."""

    model_config = ConfigDict(extra="forbid")

    tool: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")]
    args: dict[str, Any] = Field(default_factory=dict)
    purpose: Annotated[str, StringConstraints(min_length=1, max_length=64)]


class PreviewConsentOut(BaseModel):
    allowed: bool
    reason: str | None = None
    basis: str | None = None


class CallPreviewOut(BaseModel):
    """What the gateway would do with the call; nothing ran and nothing was written.
    ``status``: allowed, needs_approval (it would wait for ``approver_role``) or refused
    (``reasons`` and ``errors`` say why). ``rule_id``/``rule_name``: the risk rule that
    matched (none: the tool's declared risk). ``reversible``: the tool declares an undo."""

    status: Literal["allowed", "needs_approval", "refused"]
    tool: str
    allowed: bool
    needs_approval: bool
    reasons: list[str]
    errors: list[dict[str, Any]]
    risk_level: str | None = None
    rule_id: str | None = None
    rule_name: str | None = None
    approver_role: str | None = None
    consent: PreviewConsentOut | None = None
    reversible: bool


class ExecutionOut(BaseModel):
    status: str
    decision_id: str
    output: dict[str, Any] | None = None
    approval_id: str | None = None
    reason: str | None = None


class ToolOut(BaseModel):
    name: str
    description: str
    purposes: list[str]
    touches: list[str]
    risk: str
    read_only: bool
    destructive: bool
    idempotent: bool
    external_effect: bool
    channel: str | None
    undo: str | None = None  # how an executed call is reversed; None: it cannot be
    input_schema: dict[str, Any]
    output_schema: dict[str, Any]


class ApproveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason | None = None


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason


class OverrideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason
    outcome: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None


class ApprovalOut(BaseModel):
    id: str
    tool: str
    args: dict[str, Any]
    purpose: str
    status: str
    risk_level: str
    risk_rule_id: str | None
    approver_role: str
    requester_kind: str
    requester_id: str | None
    requester_name: str | None
    on_behalf_of_id: str | None
    on_behalf_of_name: str | None
    rationale: dict[str, Any] | None
    trigger_event_id: str | None
    decision_id: str
    created_at: datetime
    expires_at: datetime
    decided_by_id: str | None
    decided_by_name: str | None
    decided_at: datetime | None
    decision_reason: str | None
    result_decision_id: str | None
    result_status: str | None

    @classmethod
    def of(cls, row: ApprovalRequest) -> ApprovalOut:
        return cls.model_validate(row, from_attributes=True)


class ApprovalDecisionOut(BaseModel):
    approval: ApprovalOut
    result: ExecutionOut


class MessageOut(BaseModel):
    id: str
    channel: str
    recipient: str
    contact_id: str | None
    subject: str | None
    body: str
    status: str
    transport: str | None
    purpose: str | None
    decision_id: str | None
    interaction_id: str | None
    created_by_kind: str
    created_by_id: str | None
    created_at: datetime
    sent_at: datetime | None

    @classmethod
    def of(cls, row: OutboundMessage) -> MessageOut:
        return cls.model_validate(row, from_attributes=True)


class NotificationOut(BaseModel):
    id: str
    kind: str
    title: str
    body: str | None
    link: str | None
    subject_type: str | None
    subject_id: str | None
    sender_kind: str
    sender_id: str | None
    decision_id: str | None
    created_at: datetime
    read_at: datetime | None

    @classmethod
    def of(cls, row: Notification) -> NotificationOut:
        return cls.model_validate(row, from_attributes=True)


T = TypeVar("T")


class Items(BaseModel, Generic[T]):
    items: list[T]
