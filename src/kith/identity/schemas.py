"""API shapes of the identity graph."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


class QualityOut(BaseModel):
    identities: int
    persons: int
    resolution_rate_exact_keys: float | None
    ghost_identities: int
    dormant_persons: int
    dormant_after_days: int
    unattached_identities: int
    resolution_rate: float | None
    cluster_sizes: dict[str, int]
    suspicious_clusters: list[dict[str, Any]]
    review_backlog: int
    links: dict[str, int]
    estimated_precision: float | None


class ProposalOut(BaseModel):
    id: str
    probability: float
    match_weight: float
    explanation: dict[str, Any]
    state: str
    left: dict[str, Any]
    right: dict[str, Any]
    created_at: datetime
    merged: dict[str, str] | None = None


class ProposalsOut(BaseModel):
    items: list[ProposalOut]


Id = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
# Survivorship of contact fields on a merge (kith.identity.survivorship).
SurvivorField = Literal[
    "name", "title", "email", "mobile", "phone", "wechat_id", "city", "language"
]
SurvivorRule = Literal["most_recent", "most_trusted", "manual"]
Probability = Annotated[float, Field(gt=0, le=1)]
IdentityField = Literal[
    "name",
    "phone",
    "email",
    "device_id",
    "wechat_id",
    "card_no",
    "city",
    "birth_date",
    "segment",
    "region",
]


class MergeIn(BaseModel):
    """Two persons (``person_id``, ``other_person_id``) or a proposed link
    (``link_id``); ``survivor_id`` picks whose id survives (default: the older);
    ``high_risk``: the merge needs approval (high-value customers, owners differ)."""

    model_config = ConfigDict(extra="forbid")

    person_id: Id | None = None
    other_person_id: Id | None = None
    link_id: Id | None = None
    survivor_id: Id | None = None
    reason: Reason = ""
    high_risk: bool = False
    rules: dict[SurvivorField, SurvivorRule] = {}
    picks: dict[SurvivorField, Id] = {}


class UnmergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason = ""


class GatewayOut(BaseModel):
    """A gateway call's outcome: executed, or waiting for approval."""

    status: str
    decision_id: str
    approval_id: str | None = None
    output: dict[str, Any] | None = None


class PersonOut(BaseModel):
    id: str
    requested_id: str
    redirected: bool
    segment: str
    created_at: datetime
    identities: list[dict[str, Any]]
    links: list[dict[str, Any]]
    merges: list[dict[str, Any]]


class ContactPersonOut(BaseModel):
    person: PersonOut | None


class IdentityIn(BaseModel):
    """An arriving identity: its kind (app_user_id, open_id, device_id, …), its
    reference in that kind, and the fields it came with."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["app_user_id", "open_id", "device_id", "wechat_id", "phone", "email", "card"]
    ref: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
    fields: dict[IdentityField, Annotated[str, StringConstraints(max_length=255)]] = {}


class MatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fields: dict[IdentityField, Annotated[str, StringConstraints(max_length=255)]]


class ThresholdsIn(BaseModel):
    """Auto-link probability per segment (``high_value``, ``other``, …); between
    ``review_floor`` and a segment's threshold a pair goes to review."""

    model_config = ConfigDict(extra="forbid")

    by_segment: dict[Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,32}$")], Probability] = (
        Field(min_length=1, max_length=20)
    )
    review_floor: Probability = 0.5


class ThresholdsOut(BaseModel):
    by_segment: dict[str, float]
    default: float
    review_floor: float
    model: str
