"""Request and response bodies of the privacy API (consents, DSAR, erasure, restriction,
rectification, re-import flags)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from kith.crm.specs import Classification

ConsentPurpose = Literal[
    "service", "sales_outreach", "marketing", "profiling", "data_sharing", "model_training"
]
ConsentChannel = Literal["*", "email", "sms", "phone", "app_push", "wechat", "post"]
ConsentState = Literal["granted", "revoked"]
CurrentState = Literal["granted", "revoked", "expired"]
ConsentSource = Literal["form", "call", "import", "preference_page", "api", "app", "email_reply"]
LegalBasis = Literal["consent", "contract", "legal_obligation", "legitimate_interest"]

PURPOSES: tuple[str, ...] = get_args(ConsentPurpose)
CHANNELS: tuple[str, ...] = get_args(ConsentChannel)
ALL_CHANNELS = "*"

Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class ConsentIn(BaseModel):
    """One statement about a person's consent. ``channel`` "*" covers every channel.
    ``evidence`` is the text the person saw or said; only its SHA-256 is kept
    (give ``evidence_hash`` instead when the text lives elsewhere)."""

    model_config = ConfigDict(extra="forbid")

    purpose: ConsentPurpose
    channel: ConsentChannel = "*"
    state: ConsentState
    source: ConsentSource = "api"
    at: AwareDatetime | None = None
    expires_at: AwareDatetime | None = None
    legal_basis: LegalBasis = "consent"
    evidence: Annotated[str, StringConstraints(min_length=1, max_length=20_000)] | None = None
    evidence_hash: Sha256 | None = None
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None

    @model_validator(mode="after")
    def _coherent(self) -> ConsentIn:
        if self.expires_at is not None and self.state != "granted":
            raise PydanticCustomError("expiry", "only a grant can expire")
        if self.evidence is not None and self.evidence_hash is not None:
            raise PydanticCustomError("evidence", "give evidence or evidence_hash, not both")
        return self


class ConsentCurrentOut(BaseModel):
    purpose: str
    channel: str
    state: CurrentState
    source: str
    at: datetime
    expires_at: datetime | None
    legal_basis: str


class ConsentEventOut(BaseModel):
    id: str
    purpose: str
    channel: str
    state: str
    source: str
    at: datetime
    expires_at: datetime | None
    legal_basis: str
    evidence_hash: str | None
    note: str | None
    recorded_by_kind: str
    recorded_by_id: str | None
    recorded_at: datetime


class CancellationOut(BaseModel):
    kind: str
    target_id: str
    decision_id: str | None
    reason: str
    at: datetime


class ConsentsOut(BaseModel):
    current: list[ConsentCurrentOut]
    history: list[ConsentEventOut]


class ConsentChangeOut(ConsentsOut):
    event: ConsentEventOut
    cancelled: list[CancellationOut]


class PreferenceLinkOut(BaseModel):
    url: str
    expires_at: datetime


class ErasureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class ErasureOut(BaseModel):
    tombstone_id: str
    contact_id: str
    erased_at: datetime
    summary: dict[str, int]


# --- restriction, rectification, request log, re-import flags --------------------------------

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class RestrictionIn(BaseModel):
    """Restrict the person's processing. ``until`` ends it by itself (optional)."""

    model_config = ConfigDict(extra="forbid")

    reason: Reason
    until: AwareDatetime | None = None


class LiftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason


class RestrictionEventOut(BaseModel):
    id: str
    action: Literal["applied", "lifted"]
    reason: str
    until: datetime | None
    at: datetime
    actor_kind: str
    actor_id: str | None
    actor_name: str | None


class RestrictionOut(BaseModel):
    """The current state (derived from the history) and the history, newest first.
    ``cancelled`` lists what applying the restriction just cancelled."""

    restricted: bool
    reason: str | None
    since: datetime | None
    until: datetime | None
    history: list[RestrictionEventOut]
    cancelled: list[CancellationOut] = []


class RectificationIn(BaseModel):
    """Correct the person's data: ``changes`` maps contact fields to their right values."""

    model_config = ConfigDict(extra="forbid")

    changes: Annotated[dict[str, Any], Field(min_length=1, max_length=50)]
    reason: Reason


class RectificationOut(BaseModel):
    request_id: str
    contact_id: str
    fields: list[str]
    contact: dict[str, Any]


class PrivacyRequestOut(BaseModel):
    id: str
    contact_id: str
    kind: str
    status: str
    actor_kind: str
    actor_id: str | None
    at: datetime
    detail: dict[str, Any]


class ReimportFlagOut(BaseModel):
    id: str
    contact_id: str
    tombstone_ids: list[str]
    matched: list[str]
    actor_kind: str
    actor_id: str | None
    at: datetime


class ReimportFlagsOut(BaseModel):
    items: list[ReimportFlagOut]


class ClassificationOut(BaseModel):
    """object type -> field -> public | internal | confidential | sensitive"""

    objects: dict[str, dict[str, Classification]]
