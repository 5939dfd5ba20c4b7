"""Pydantic schemas of the concepts context: a concept's definition (indicators with a
source, a normalisation, a freshness limit and a weight; bands), and what the API
returns (versions, values with contributions, distribution, movers, previews)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

# A built-in measure, or any numeric field: field:<ticket|order|contact|account>.[custom.]<name>
# (kith.concepts.fields).
SourceName = Annotated[
    str,
    StringConstraints(
        pattern=r"^(csat|nps|mtbf|renewal_slope|usage|sentiment"
        r"|field:(ticket|order|contact|account)\.(custom\.)?[a-z_][a-z0-9_]{0,63})$"
    ),
]
Direction = Literal["higher_better", "lower_better"]
SubjectType = Literal["contact", "account"]
SUBJECTS: tuple[SubjectType, ...] = ("contact", "account")
Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Finite = Annotated[float, Field(allow_inf_nan=False, ge=-1e12, le=1e12)]
WEIGHT_TOLERANCE = 1e-6


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConceptBreakpoint(_Strict):
    """A point of a threshold curve: a raw value ``at`` scores ``score`` (0-1)."""

    at: Finite
    score: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


class ConceptNormalisation(_Strict):
    """How a raw value becomes 0-1 (1 = best).

    ``minmax``: (value - min) / (max - min), clipped. ``zscore``: the normal CDF of the
    value's z-score against the tenant's customers of the same kind. ``thresholds``:
    linear between breakpoints, flat beyond them (the scores carry the direction).
    ``direction: lower_better`` turns minmax and zscore around (1 - x)."""

    method: Literal["minmax", "zscore", "thresholds"]
    direction: Direction = "higher_better"
    min: Finite | None = None
    max: Finite | None = None
    breakpoints: list[ConceptBreakpoint] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _complete(self) -> ConceptNormalisation:
        if self.method == "minmax":
            if self.min is None or self.max is None:
                raise PydanticCustomError("missing_bound", "minmax needs min and max")
            if self.max <= self.min:
                raise PydanticCustomError("bad_bounds", "max must be greater than min")
        if self.method == "thresholds":
            if len(self.breakpoints) < 2:
                raise PydanticCustomError("breakpoints", "thresholds need at least 2 breakpoints")
            ats = [b.at for b in self.breakpoints]
            if ats != sorted(ats) or len(set(ats)) != len(ats):
                raise PydanticCustomError("breakpoints", "breakpoints must be in increasing 'at'")
        return self


class ConceptIndicator(_Strict):
    key: Key
    label_en: Label
    label_zh: Label
    source: SourceName
    weight: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]
    normalisation: ConceptNormalisation
    window_days: Annotated[int, Field(ge=1, le=3650)] = 180
    freshness_days: Annotated[int, Field(ge=1, le=3650)] = 90


class ConceptBand(_Strict):
    """Values from ``min`` (inclusive) up to the next band's min belong to this band."""

    name: Key
    label_en: Label
    label_zh: Label
    min: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]


DEFAULT_BANDS = [
    ConceptBand(name="at_risk", label_en="At risk", label_zh="有风险", min=0),
    ConceptBand(name="watch", label_en="Watch", label_zh="需关注", min=40),
    ConceptBand(name="healthy", label_en="Healthy", label_zh="健康", min=70),
]


class ConceptDefinition(_Strict):
    """Indicators whose weights sum to 1; bands; the share of the weight that must have
    data (else the value is unknown, with the reasons, never a guess)."""

    subjects: list[SubjectType] = Field(
        default_factory=lambda: list(SUBJECTS), min_length=1, max_length=2
    )
    indicators: list[ConceptIndicator] = Field(min_length=1, max_length=20)
    bands: list[ConceptBand] = Field(default_factory=lambda: list(DEFAULT_BANDS), min_length=1)
    min_coverage: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] = 0.5

    @field_validator("indicators")
    @classmethod
    def _weights(cls, indicators: list[ConceptIndicator]) -> list[ConceptIndicator]:
        keys = [i.key for i in indicators]
        if len(set(keys)) != len(keys):
            raise PydanticCustomError("duplicate", "indicator keys must be unique")
        total = math.fsum(i.weight for i in indicators)
        if abs(total - 1) > WEIGHT_TOLERANCE:
            raise PydanticCustomError(
                "weights_sum",
                "indicator weights must sum to 1 (they sum to {total})",
                {"total": round(total, 6)},
            )
        return indicators

    @field_validator("bands")
    @classmethod
    def _bands(cls, bands: list[ConceptBand]) -> list[ConceptBand]:
        mins = [b.min for b in bands]
        if mins[0] != 0 or mins != sorted(mins) or len(set(mins)) != len(mins):
            raise PydanticCustomError(
                "bands", "bands must start at 0 and have increasing, distinct minimums"
            )
        if len({b.name for b in bands}) != len(bands):
            raise PydanticCustomError("bands", "band names must be unique")
        return bands


class ConceptDraftIn(_Strict):
    concept_key: Key
    label_en: Label
    label_zh: Label
    definition: ConceptDefinition


class ConceptVersionOut(BaseModel):
    concept_key: str
    version: int
    status: str
    label_en: str
    label_zh: str
    definition: dict[str, Any]
    created_at: datetime
    created_by: str | None
    published_at: datetime | None
    published_by: str | None
    retired_at: datetime | None


class ConceptContribution(BaseModel):
    """What one indicator added: ``points`` sum to the value."""

    key: str
    label_en: str
    label_zh: str
    source: str
    status: Literal["ok", "missing", "stale", "no_spread"]
    raw: float | None
    as_of: datetime | None
    samples: int
    normalised: float | None
    weight: float
    effective_weight: float
    points: float
    reason: str | None = None


class ConceptValueOut(BaseModel):
    concept_key: str
    version: int
    subject_type: str
    subject_id: str
    value: float | None
    band: str
    band_label_en: str
    band_label_zh: str
    coverage: float
    degraded: bool
    reasons: list[str]
    contributions: list[ConceptContribution]
    computed_at: datetime


class ConceptHistoryPoint(BaseModel):
    version: int
    value: float | None
    band: str
    degraded: bool
    computed_at: datetime
    trigger: str | None


class CustomerHealthOut(BaseModel):
    current: ConceptValueOut | None
    history: list[ConceptHistoryPoint]


class ConceptPreviewRow(BaseModel):
    subject_type: str
    subject_id: str
    name: str
    value: float | None
    band: str
    degraded: bool
    reasons: list[str]
    contributions: list[ConceptContribution]


class ConceptPreviewOut(BaseModel):
    concept_key: str
    rows: list[ConceptPreviewRow]


class ConceptSampleOut(BaseModel):
    """Raw values of a source on up to 20 customers, and what a normalisation makes of them."""

    source: str
    subject_type: str
    rows: list[dict[str, Any]]
    population: dict[str, Any]


class ConceptDistributionOut(BaseModel):
    concept_key: str
    version: int | None
    subject_type: str
    total: int
    unknown: int
    degraded: int
    bands: list[dict[str, Any]]
    histogram: list[dict[str, Any]]  # ten buckets of 10 points


class ConceptMoverOut(BaseModel):
    subject_type: str
    subject_id: str
    name: str
    before: float | None
    after: float | None
    delta: float
    band: str


class ConceptRecomputeOut(BaseModel):
    concept_key: str
    version: int
    computed: int
    changed: int
    band_changes: int
