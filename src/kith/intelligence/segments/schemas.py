"""Saved segments: the definition and its parts as given, the validated (compiled) form,
and what evaluation and refresh return.

A segment's definition combines, all of which must hold:

- ``filters``: record filters in the list filter language of ``kith.crm.query``
  (``{"field": "city", "op": "eq", "value": "上海"}`` or the text form
  ``"city:eq:上海"``), so a filtered contacts list can be saved as it is;
- ``scores``: conditions on the latest stored score of a model
  (``{"model": "churn", "op": "gte", "value": 0.6}``);
- ``rfm`` / ``clusters``: labels of the RFM segmentation or k-means cluster ids
  of the behavioural segmentation (``kith.intelligence.segments.behaviour``), computed
  over the whole workspace's orders at evaluation time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from kith.crm.query import Filter
from kith.intelligence.models import Segment

OBJECT_TYPES = ("contact", "account")
SCORE_OPS = ("gt", "gte", "lt", "lte")
# Kinds the built-in models write (kith.intelligence.scoring.builtin), valid before the
# first scoring.
BUILTIN_SCORE_KINDS = frozenset({"churn", "deal_win", "lead_conversion", "sentiment"})
# The names of kith.intelligence.segments.behaviour.SEGMENTS, spelt out so that importing
# this module (the gateway does, for its tools) does not load pandas and scikit-learn.
RFM_LABELS = ("champions", "loyal", "new", "at_risk", "hibernating", "potential")
MAX_CLUSTER = 5  # clusters() picks k in 2..6

Name = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9_]{1,79}$")]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Scalar = str | int | float | bool | None


class FilterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    op: str
    value: Scalar | list[str | int | float] = None


class ScoreCondition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    op: str
    value: float


class ConceptCondition(BaseModel):
    """A business concept's current value (``customer_health``): in one of ``bands``
    and/or compared with ``value`` (0-100). Customers without a value never match."""

    model_config = ConfigDict(extra="forbid")

    concept: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    bands: list[Annotated[str, StringConstraints(max_length=32)]] = Field(
        default_factory=list, max_length=10
    )
    op: str | None = None
    value: Annotated[float, Field(ge=0, le=100)] | None = None


class Definition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filters: list[FilterIn | str] = Field(default_factory=list, max_length=50)
    scores: list[ScoreCondition] = Field(default_factory=list, max_length=10)
    concepts: list[ConceptCondition] = Field(default_factory=list, max_length=5)
    rfm: list[str] = Field(default_factory=list, max_length=len(RFM_LABELS))
    clusters: list[int] = Field(default_factory=list, max_length=MAX_CLUSTER + 1)


class SegmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    label_zh: Label
    label_en: Label
    object_type: Literal["contact", "account"] = "contact"
    definition: Definition
    description: Annotated[str, StringConstraints(max_length=2000)] | None = None
    refresh_policy: Literal["manual", "hourly", "daily"] = "manual"


class SegmentPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label_zh: Label | None = None
    label_en: Label | None = None
    definition: Definition | None = None
    description: Annotated[str, StringConstraints(max_length=2000)] | None = None
    refresh_policy: Literal["manual", "hourly", "daily"] | None = None


class PreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    object_type: Literal["contact", "account"] = "contact"
    definition: Definition


@dataclass(frozen=True)
class Compiled:
    """A validated definition: parsed filters plus the checked score/behaviour parts."""

    object_type: str
    filters: tuple[Filter, ...]
    scores: tuple[ScoreCondition, ...]
    rfm: frozenset[str]
    clusters: frozenset[int]
    concepts: tuple[ConceptCondition, ...] = ()


@dataclass(frozen=True)
class Qualified:
    """Why one record is in: the first score condition's score and a snapshot."""

    score: float | None
    snapshot: dict[str, Any]


@dataclass(frozen=True)
class Diff:
    added: list[str]
    removed: list[str]


@dataclass(frozen=True)
class RefreshResult:
    segment_id: str
    name: str
    added: int
    removed: int
    total: int
    seconds: float
    events_capped: bool


def segment_out(segment: Segment) -> dict[str, Any]:
    return {
        "id": segment.id,
        "name": segment.name,
        "label_zh": segment.label_zh,
        "label_en": segment.label_en,
        "object_type": segment.object_type,
        "definition": segment.definition,
        "description": segment.description,
        "owner_id": segment.owner_id,
        "refresh_policy": segment.refresh_policy,
        "member_count": segment.member_count,
        "last_refreshed_at": segment.last_refreshed_at,
        "created_at": segment.created_at,
        "updated_at": segment.updated_at,
        "created_by": segment.created_by,
    }
