"""Live performance: how a model's scores fared once the outcomes arrived.

The ``model_performance`` events consumer reacts to outcome events (a deal won
or lost, a lead converted, qualified or disqualified). It looks up the score the
record had *before* the outcome (the ``scores`` row, written with its model
version and ``scored_at``) and keeps the pair in ``model_outcomes``. Per model
version that gives live AUC, accuracy at the version's operating threshold,
Brier score and a calibration table, next to the offline (held-out) figures.

When live AUC falls below the offline AUC by more than ``DEGRADED_AUC_DROP``
with at least ``MIN_OUTCOMES`` outcomes, ``model.performance_degraded`` is
emitted, once per crossing (not for every outcome after it).

Churn has no outcome event (a customer leaving is the absence of events), so it
is not measured here; see docs/intelligence.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kith.container import Container
from kith.core.clock import as_utc
from kith.core.lazy import lazy_module
from kith.db.uow import UnitOfWork
from kith.events.envelope import Envelope
from kith.events.types import Actor, DomainEvent, EventType
from kith.intelligence.models import ModelOutcome, ModelVersion, Score

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy_module("numpy")

DEGRADED_AUC_DROP = 0.1
MIN_OUTCOMES = 30
CALIBRATION_BINS = 10
DEFAULT_THRESHOLD = 0.5
CONSUMER_NAME = "model_performance"


@dataclass(frozen=True)
class Outcome:
    kind: str  # the score kind: deal_win | lead_conversion
    object_type: str
    value: int  # 1: the model's positive class happened
    label: str


LEAD_STATUS_OUTCOMES = {
    "qualified": Outcome("lead_conversion", "lead", 1, "qualified"),
    "converted": Outcome("lead_conversion", "lead", 1, "converted"),
    "disqualified": Outcome("lead_conversion", "lead", 0, "disqualified"),
}
EVENT_OUTCOMES: dict[str, Outcome] = {
    EventType.DEAL_WON: Outcome("deal_win", "deal", 1, "won"),
    EventType.DEAL_LOST: Outcome("deal_win", "deal", 0, "lost"),
    EventType.LEAD_CONVERTED: LEAD_STATUS_OUTCOMES["converted"],
}
EVENT_TYPES: frozenset[str] = frozenset({*EVENT_OUTCOMES, EventType.LEAD_UPDATED})


def outcome_of(envelope: Envelope) -> Outcome | None:
    """What an event says about a scored record's outcome, if anything."""
    if envelope.type in EVENT_OUTCOMES:
        return EVENT_OUTCOMES[envelope.type]
    if envelope.type == EventType.LEAD_UPDATED:
        change = (envelope.payload.get("changes") or {}).get("status")
        if isinstance(change, list) and len(change) == 2:
            return LEAD_STATUS_OUTCOMES.get(str(change[1]))
    return None


# -- metrics ------------------------------------------------------------------------


def live_metrics(
    scores: Sequence[float], outcomes: Sequence[int], threshold: float
) -> dict[str, Any]:
    """AUC (when both outcomes occurred), accuracy at ``threshold``, Brier, calibration."""
    p = np.asarray(scores, dtype=np.float64)
    y = np.asarray(outcomes, dtype=np.int64)
    n = len(y)
    positives = int(y.sum()) if n else 0
    out: dict[str, Any] = {
        "outcomes": n,
        "positives": positives,
        "negatives": n - positives,
        "threshold": threshold,
        "auc": None,
        "accuracy": None,
        "brier": None,
        "calibration": [],
    }
    if n == 0:
        return out
    if 0 < positives < n:
        out["auc"] = round(auc(y, p), 4)
    out["accuracy"] = round(float(((p >= threshold).astype(int) == y).mean()), 4)
    out["brier"] = round(float(((p - y) ** 2).mean()), 4)
    out["calibration"] = _calibration(p, y)
    return out


def auc(y: np.ndarray, p: np.ndarray) -> float:
    """ROC AUC as the Mann-Whitney statistic with average ranks for ties (no sklearn
    import on the consumer's path)."""
    order = np.argsort(p, kind="mergesort")
    ranks = np.empty(len(p), dtype=np.float64)
    sorted_p = p[order]
    starts = np.flatnonzero(np.r_[True, sorted_p[1:] != sorted_p[:-1]])
    ends = np.r_[starts[1:], len(p)]
    for start, end in zip(starts, ends, strict=True):
        ranks[order[start:end]] = (start + end + 1) / 2  # 1-based average rank
    positives = int(y.sum())
    negatives = len(y) - positives
    return float((ranks[y == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def _calibration(p: np.ndarray, y: np.ndarray) -> list[dict[str, Any]]:
    bins = np.minimum((np.clip(p, 0, 1) * CALIBRATION_BINS).astype(int), CALIBRATION_BINS - 1)
    rows = []
    for b in range(CALIBRATION_BINS):
        mask = bins == b
        if mask.any():
            rows.append(
                {
                    "bin": [b / CALIBRATION_BINS, (b + 1) / CALIBRATION_BINS],
                    "count": int(mask.sum()),
                    "mean_score": round(float(p[mask].mean()), 4),
                    "observed_rate": round(float(y[mask].mean()), 4),
                }
            )
    return rows


def degraded(live_auc: float | None, offline_auc: float | None, count: int) -> bool:
    if live_auc is None or offline_auc is None or count < MIN_OUTCOMES:
        return False
    return live_auc < offline_auc - DEGRADED_AUC_DROP


def _outcomes(session: Session, tenant_id: str, version_id: str) -> Sequence[ModelOutcome]:
    return session.scalars(
        select(ModelOutcome)
        .where(ModelOutcome.tenant_id == tenant_id, ModelOutcome.model_version_id == version_id)
        .order_by(ModelOutcome.at, ModelOutcome.id)
    ).all()


def _threshold(version: ModelVersion) -> float:
    value = (version.metrics or {}).get("threshold")
    return float(value) if isinstance(value, int | float) else DEFAULT_THRESHOLD


def performance(session: Session, version: ModelVersion) -> dict[str, Any]:
    """Live figures of one version next to its offline ones."""
    rows = _outcomes(session, version.tenant_id, version.id)
    live = live_metrics([r.score for r in rows], [r.outcome for r in rows], _threshold(version))
    offline = {k: version.metrics.get(k) for k in ("auc", "accuracy", "brier")}
    auc_drop = (
        round(float(offline["auc"]) - float(live["auc"]), 4)
        if live["auc"] is not None and isinstance(offline["auc"], int | float)
        else None
    )
    return {
        "version": version.id,
        "ref": f"{version.name}@{version.number}",
        "status": version.status,
        "live": live,
        "offline": offline,
        "auc_drop": auc_drop,
        "degraded": degraded(live["auc"], offline["auc"], live["outcomes"]),
        "rule": {"max_auc_drop": DEGRADED_AUC_DROP, "min_outcomes": MIN_OUTCOMES},
        "first_outcome_at": rows[0].at if rows else None,
        "last_outcome_at": rows[-1].at if rows else None,
    }


# -- recording outcomes ----------------------------------------------------------------


def record_outcome(uow: UnitOfWork, envelope: Envelope) -> ModelOutcome | None:
    """Pair the outcome in ``envelope`` with the score the record had before it.

    Nothing is recorded when the record was never scored by a registered model,
    was scored only after the outcome, or already has an outcome of this kind.
    """
    outcome = outcome_of(envelope)
    if outcome is None or envelope.subject_type != outcome.object_type:
        return None
    session = uow.session
    tenant_id = envelope.tenant_id
    if session.scalar(select(ModelOutcome.id).where(ModelOutcome.event_id == envelope.event_id)):
        return None
    already = session.scalar(
        select(ModelOutcome.id).where(
            ModelOutcome.tenant_id == tenant_id,
            ModelOutcome.kind == outcome.kind,
            ModelOutcome.object_type == outcome.object_type,
            ModelOutcome.record_id == envelope.subject_id,
        )
    )
    if already is not None:
        return None
    score = session.scalar(
        select(Score).where(
            Score.tenant_id == tenant_id,
            Score.kind == outcome.kind,
            Score.object_type == outcome.object_type,
            Score.record_id == envelope.subject_id,
        )
    )
    at = as_utc(envelope.occurred_at)
    if score is None or score.model_version_id is None or as_utc(score.scored_at) > at:
        return None
    version = session.scalar(
        select(ModelVersion).where(
            ModelVersion.tenant_id == tenant_id, ModelVersion.id == score.model_version_id
        )
    )
    if version is None:
        return None
    before = performance(session, version)
    row = ModelOutcome(
        tenant_id=tenant_id,
        model_version_id=version.id,
        model_ref=score.model_version,
        kind=outcome.kind,
        object_type=outcome.object_type,
        record_id=envelope.subject_id,
        score=float(score.score),
        outcome=outcome.value,
        outcome_label=outcome.label,
        scored_at=as_utc(score.scored_at),
        at=at,
        event_id=envelope.event_id,
    )
    session.add(row)
    session.flush()
    after = performance(session, version)
    if after["degraded"] and not before["degraded"]:
        _emit_degraded(uow, version, after, at)
    return row


def _emit_degraded(
    uow: UnitOfWork, version: ModelVersion, perf: dict[str, Any], at: datetime
) -> None:
    ref = perf["ref"]
    uow.emit(
        DomainEvent(
            type=EventType.MODEL_PERFORMANCE_DEGRADED,
            tenant_id=version.tenant_id,
            subject_type="model",
            subject_id=version.id,
            actor=Actor("system", None, CONSUMER_NAME),
            payload={
                "ref": ref,
                "kind": version.kind,
                "live_auc": perf["live"]["auc"],
                "offline_auc": perf["offline"]["auc"],
                "auc_drop": perf["auc_drop"],
                "outcomes": perf["live"]["outcomes"],
                "max_auc_drop": DEGRADED_AUC_DROP,
                "min_outcomes": MIN_OUTCOMES,
            },
            summary=f"performance_degraded {ref}: live AUC {perf['live']['auc']} "
            f"vs offline {perf['offline']['auc']}",
            occurred_at=at,
        )
    )


class ModelPerformanceConsumer:
    """Idempotent by event id: the framework commits our row with the event's
    consumed mark, and ``model_outcomes.event_id`` is unique besides."""

    name = CONSUMER_NAME
    event_types: frozenset[str] | None = EVENT_TYPES

    def handle(self, envelope: Envelope, uow: UnitOfWork) -> None:
        record_outcome(uow, envelope)


def performance_consumer(_container: Container) -> ModelPerformanceConsumer:
    return ModelPerformanceConsumer()
