"""Scheduled jobs of the intelligence context (see ``kith.scheduling``).

``models.retrain`` retrains the built-in models on current data and promotes a
challenger only when it beats the champion on the same held-out rows;
``models.drift`` checks today's scoring population against each champion's
training distribution (``model.drift_detected`` above the PSI threshold).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kith.intelligence.monitoring.lifecycle import (
    BUILTIN_MODELS,
    DEFAULT_MARGIN,
    Retrainer,
    check_drift,
    parse_kinds,
    parse_margin,
)
from kith.intelligence.service import IntelligenceService
from kith.scheduling.registry import JobContext, job


def _check_models(params: Mapping[str, Any]) -> None:
    parse_kinds(params.get("models"))
    parse_margin(params.get("margin"))


def _service(ctx: JobContext) -> IntelligenceService:
    return IntelligenceService(ctx.uow, ctx.tenant_id, ctx.principal.actor, clock=lambda: ctx.now)


@job(
    "models.retrain",
    "Retrain built-in models; promote a challenger only if it beats the champion on held-out data",
    {"models": list(BUILTIN_MODELS), "margin": DEFAULT_MARGIN},
    check_params=_check_models,
)
def retrain(ctx: JobContext) -> Mapping[str, Any]:
    kinds = parse_kinds(ctx.params.get("models"))
    margin = parse_margin(ctx.params.get("margin"))
    rescore = bool(ctx.params.get("rescore", True))
    outcomes = Retrainer(_service(ctx), margin).run(kinds, rescore=rescore)
    return {"models": [o.as_dict() for o in outcomes]}


@job(
    "models.drift",
    "PSI drift of today's scoring population against each champion's training data",
    {"models": list(BUILTIN_MODELS)},
    check_params=_check_models,
)
def drift(ctx: JobContext) -> Mapping[str, Any]:
    kinds = parse_kinds(ctx.params.get("models"))
    return {"models": check_drift(_service(ctx), kinds)}
