"""The HTTP contracts of the intelligence context (the web charts read exactly these)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class FactorOut(BaseModel):
    name: str
    contribution: float
    value: Any = None
    support: int | None = Field(
        default=None, description="Training rows behind this value, when fewer than the minimum."
    )
    note: dict[str, str] | None = Field(
        default=None, description='zh/en caveat, e.g. "based on only 9 examples".'
    )


class ScoreOut(BaseModel):
    kind: str
    score: float | None = Field(
        description="None when the model may not score (status not_enough_data)."
    )
    band: str
    model_version: str
    factors: list[FactorOut]
    scored_at: Any = None
    detail: dict[str, Any] = {}
    status: Literal["scored", "not_enough_data"] = "scored"
    reason: dict[str, str] | None = Field(
        default=None, description="zh/en: why there is no score (status not_enough_data)."
    )
    linked_record_id: str | None = Field(
        default=None,
        description="Set when the score is about another record of the same person "
        "(a contact linked by the identity graph).",
    )


class ForecastPoint(BaseModel):
    period: str
    actual: float | None
    forecast: float | None
    lower: float | None
    upper: float | None


class ForecastModel(BaseModel):
    algorithm: str
    mase: float
    mape: float | None
    evaluation: str
    better_than_baseline: bool


class ForecastBaseline(BaseModel):
    name: str  # seasonal_naive, or naive for a series shorter than two seasons
    mase: float
    mape: float | None
    note: dict[str, str] | None = Field(
        default=None, description="zh/en: why the baseline is naive rather than seasonal-naive."
    )


class ForecastCandidate(BaseModel):
    method: str
    backtested: bool
    mae: float | None = None
    mase: float | None = None
    mape: float | None = None
    note: str | None = None


class PipelinePoint(BaseModel):
    period: str
    expected: float
    lower: float
    upper: float


class PipelineEstimateOut(BaseModel):
    open_deals: int
    probability_sources: dict[str, int]
    beyond_horizon: float
    backtested: bool
    chosen: bool
    note: str | None = None
    points: list[PipelinePoint]


class ForecastGroup(BaseModel):
    key: str
    name: str
    method: str
    reason: str | None = None
    model: ForecastModel | None
    baseline: ForecastBaseline | None
    candidates: list[ForecastCandidate]
    series: list[ForecastPoint]
    pipeline: PipelineEstimateOut


class ForecastOut(BaseModel):
    period: Literal["month", "week"]
    measure: str
    series: list[ForecastPoint]
    model: ForecastModel | None
    baseline: ForecastBaseline | None
    note: str | None = None
    by: Literal["total", "team", "owner", "product", "pipeline"] = "total"
    groups: list[ForecastGroup] = []
    omitted_groups: int = 0


class BinOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: float = Field(alias="from")
    to: float
    count: int


class DistributionOut(BaseModel):
    kind: str
    total: int
    bins: list[BinOut]


class ModelVersionOut(BaseModel):
    version: str
    ref: str
    name: str
    number: int
    kind: str
    algorithm: str
    status: str
    source: str
    data_hash: str
    rows: int
    features: dict[str, Any]
    metrics: dict[str, Any]
    baseline: dict[str, Any]
    importance: dict[str, Any]
    training_seconds: float
    created_at: Any
    promoted_at: Any = None


class StalledDealOut(BaseModel):
    deal_id: str
    name: str
    stage: str
    days_in_stage: float
    usual_days: float
    limit_days: float
    days_since_activity: float | None
    likely_cause: str
    next_step: dict[str, str]
