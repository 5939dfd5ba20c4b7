"""HTTP: a model version's live performance once outcomes have arrived."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel

from kith.access import policy
from kith.api.deps import CurrentPrincipal, UoW, requires_scope
from kith.api.responses import KithJSON
from kith.intelligence.monitoring import performance as perf
from kith.intelligence.service import IntelligenceService

router = APIRouter(prefix="/api/v1", default_response_class=KithJSON, tags=["Intelligence"])


class CalibrationBin(BaseModel):
    bin: list[float]
    count: int
    mean_score: float
    observed_rate: float


class LiveMetrics(BaseModel):
    outcomes: int
    positives: int
    negatives: int
    threshold: float
    auc: float | None
    accuracy: float | None
    brier: float | None
    calibration: list[CalibrationBin]


class PerformanceOut(BaseModel):
    version: str
    ref: str
    status: str
    live: LiveMetrics
    offline: dict[str, Any]
    auc_drop: float | None
    degraded: bool
    rule: dict[str, float]
    first_outcome_at: datetime | None
    last_outcome_at: datetime | None


@router.get(
    "/intelligence/models/{ref}/performance",
    response_model=PerformanceOut,
    dependencies=[requires_scope("intelligence:read")],
)
def model_performance(
    ref: Annotated[str, Path(min_length=1, max_length=130)],
    uow: UoW,
    principal: CurrentPrincipal,
) -> PerformanceOut:
    """Live AUC, accuracy, Brier and calibration of a version (id, NAME@N or NAME for its
    champion), from the scores records had before their outcome, next to the offline figures."""
    policy.require(principal, "model", "read")
    service = IntelligenceService(uow, principal.tenant_id, principal.actor)
    return PerformanceOut(**perf.performance(uow.session, service.resolve(ref)))
