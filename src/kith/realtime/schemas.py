"""Pydantic shapes of real-time decisions: the payment-check input, rule sets as data,
list entries, experiments and the decision result."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from ipaddress import ip_address, ip_network
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

Outcome = Literal["pass", "step_up", "review", "block"]
OUTCOMES: tuple[str, ...] = ("pass", "step_up", "review", "block")  # least → most severe
ActionKind = Literal["step_up_sms", "hold_shipment", "notify_analyst", "open_review_ticket"]
ListName = Literal["blocklist", "allowlist"]
ListKind = Literal["ip", "cidr", "device", "card"]
Mode = Literal["off", "ab", "canary", "shadow"]
SplitKey = Literal["customer_id", "order_id", "card_token_hash", "device_fingerprint"]
Label = Literal["fraud", "chargeback", "legit", "delivered"]

Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
Token = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
Ref64 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Text500 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class ShippingAddress(BaseModel):
    model_config = ConfigDict(extra="forbid")

    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
    city: Annotated[str, StringConstraints(max_length=100)] | None = None
    line1: Annotated[str, StringConstraints(max_length=300)] | None = None
    postal_code: Annotated[str, StringConstraints(max_length=20)] | None = None


class PaymentCheckIn(BaseModel):
    """What the checkout sends for the payment check (``POST /decide/payment_check``)."""

    model_config = ConfigDict(extra="forbid")

    customer_id: Ref64
    order_id: Ref64
    amount: Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=2)]
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
    card_token_hash: Annotated[str, StringConstraints(min_length=8, max_length=128)]
    ip: Annotated[str, StringConstraints(max_length=45)]
    device_fingerprint: Annotated[str, StringConstraints(min_length=4, max_length=128)]
    shipping_address: ShippingAddress

    @field_validator("ip")
    @classmethod
    def _ip(cls, value: str) -> str:
        return str(ip_address(value))


class RuleIn(BaseModel):
    """One rule: when ``when`` (CEL) is true it adds ``score``; a rule with ``outcome``
    decides at once (rules are evaluated in order; the first hard outcome wins)."""

    model_config = ConfigDict(extra="forbid")

    name: Key
    when: Annotated[str, StringConstraints(min_length=1, max_length=4000)]
    score: Annotated[float, Field(ge=-1000, le=1000)] = 0.0
    outcome: Outcome | None = None
    reason_en: Annotated[str, StringConstraints(max_length=300)] | None = None
    reason_zh: Annotated[str, StringConstraints(max_length=300)] | None = None


class ThresholdIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_score: float
    outcome: Outcome


class TestCaseIn(BaseModel):
    """ "Given this activation, expect outcome X" (features may be given directly)."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    given: dict[str, Any]
    expect: Outcome


class RuleSetDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    input: Literal["payment"] = "payment"
    rules: Annotated[list[RuleIn], Field(min_length=1, max_length=200)]
    thresholds: Annotated[list[ThresholdIn], Field(max_length=10)] = Field(default_factory=list)
    actions: dict[Outcome, list[ActionKind]] = Field(default_factory=dict)
    fallback_outcome: Outcome = "review"
    budget_ms: Annotated[int, Field(ge=1, le=10_000)] = 50
    test_cases: Annotated[list[TestCaseIn], Field(max_length=200)] = Field(default_factory=list)


class DraftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    definition: RuleSetDefinition
    note: Annotated[str, StringConstraints(max_length=500)] | None = None


class ExperimentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Mode
    challenger: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    percent: Annotated[float, Field(ge=0, le=100)] = 0.0
    split_key: SplitKey = "customer_id"


class ListEntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    list_name: ListName
    kind: ListKind
    value: Token
    reason: Text500
    expires_at: datetime | None = None


def normalise_list_value(kind: str, value: str) -> str:
    """IPs and ranges in canonical form (``ValueError`` when they are not one)."""
    if kind == "ip":
        return str(ip_address(value))
    if kind == "cidr":
        return str(ip_network(value, strict=False))
    return value


class LabelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: Ref64
    label: Label


class FiredRule(BaseModel):
    rule: str
    contribution: float
    outcome: Outcome | None = None


class Reason(BaseModel):
    rule: str
    en: str
    zh: str


class DecisionOut(BaseModel):
    decision_id: str
    outcome: Outcome
    score: float
    reasons: list[Reason]
    actions: list[str]
    ruleset_version: int
    variant: str
    latency_ms: float
    fallback: str | None = None
    fired: list[FiredRule] = Field(default_factory=list)


class RuleSetOut(BaseModel):
    decision_key: str
    version: int
    status: str
    definition: dict[str, Any]
    note: str | None
    created_at: datetime
    created_by: str | None
    published_at: datetime | None
    published_by: str | None


class RouteOut(BaseModel):
    decision_key: str
    champion: int | None
    previous_champion: int | None
    challenger: int | None
    mode: str
    percent: float
    split_key: str


class ListEntryOut(BaseModel):
    id: str
    list_name: str
    kind: str
    value: str
    reason: str
    expires_at: datetime | None
    created_at: datetime
    created_by: str | None
