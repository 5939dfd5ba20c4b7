"""Retraining the built-in models on current data, champion against challenger.

Each model's labelled rows are split by a hash of the record id: a quarter is
held out, always the same records for the same data, so the champion and the
challenger are judged on the very same rows. The challenger is trained on the
other three quarters and registered as a challenger; it replaces the champion
only if its held-out AUC is higher by at least ``margin`` (and its Brier score
is not worse). The comparison is written into the version's metrics
(``holdout_comparison``) and the decision is reported either way.

A champion must not be judged on rows it was trained on: one trained by this
retrainer never saw the held-out quarter (same split); one trained on every
labelled row (``kith model train-builtin``) is judged by refitting its
specification on the training quarters (``champion_evaluation`` says which).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kith.core.errors import FieldError, KithError, ValidationFailed
from kith.core.lazy import lazy_module
from kith.intelligence.models import ModelVersion
from kith.intelligence.scoring import builtin as b
from kith.intelligence.service import IntelligenceService, ScoreRow, version_ref
from kith.intelligence.training import guards
from kith.intelligence.training.classifier import (
    ClassifierModel,
    TrainedClassifier,
    train_classifier,
)
from kith.intelligence.training.features import prepare

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    np = lazy_module("numpy")
    pd = lazy_module("pandas")

BUILTIN_MODELS = ("deal_win", "lead_conversion", "churn")
DEFAULT_MARGIN = 0.01
HOLDOUT_BUCKETS = 4  # one bucket in four is held out
MIN_HOLDOUT_PER_CLASS = 3
SPLIT_RULE = f"sha256(record id) mod {HOLDOUT_BUCKETS} == 0 is held out"


@dataclass
class ModelData:
    """A built-in model's inputs: labelled rows and the rows scoring applies to."""

    kind: str
    object_type: str
    features: list[str]
    labelled: pd.DataFrame  # id, features, outcome (0/1)
    to_score: pd.DataFrame
    detail_for: Callable[[Any, list[dict[str, Any]]], dict[str, Any]] | None = None


@dataclass
class RetrainOutcome:
    kind: str
    decision: str  # promoted | kept | first_champion | not_fit | skipped
    reason: str
    challenger: str | None = None
    champion: str | None = None
    comparison: dict[str, Any] = field(default_factory=dict)
    scored: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, {})}


@dataclass
class Plan:
    """One model's retraining, computed before anything is written."""

    data: ModelData
    outcome: RetrainOutcome
    trained: TrainedClassifier | None = None
    train_frame: pd.DataFrame | None = None
    score_rows: list[ScoreRow] | None = None


def _labelled(frame: pd.DataFrame, features: Sequence[str], positive: str) -> pd.DataFrame:
    rows = frame[frame["outcome"].notna()]
    out = rows[["id", *features]].copy()
    out["outcome"] = (rows["outcome"] == positive).astype(int)
    return out.reset_index(drop=True)


def model_data(service: IntelligenceService, kinds: Sequence[str]) -> list[ModelData]:
    """The tenant's current data for each requested built-in model."""
    session, tenant = service.uow.session, service.tenant_id
    interactions = b.interaction_sentiment(session, tenant)
    out: list[ModelData] = []
    empty = pd.DataFrame(columns=["id", "outcome"])
    if "deal_win" in kinds:
        deals = b.deal_dataset(session, tenant, interactions, service.clock())
        features = list(b.DEAL_FEATURES)
        out.append(
            ModelData("deal_win", "deal", features, empty, empty)
            if deals.empty
            else ModelData(
                "deal_win",
                "deal",
                features,
                _labelled(deals, features, b.WON),
                deals[deals["status"] == "open"],
            )
        )
    if "lead_conversion" in kinds:
        leads = b.lead_dataset(session, tenant)
        features = list(b.LEAD_FEATURES)
        out.append(
            ModelData("lead_conversion", "lead", features, empty, empty)
            if leads.empty
            else ModelData(
                "lead_conversion",
                "lead",
                features,
                _labelled(leads, features, "converted"),
                leads[leads["outcome"].isna()],
            )
        )
    if "churn" in kinds:
        past, current = b.churn_dataset(session, tenant, interactions, service.clock())
        features = list(b.CHURN_FEATURES)
        out.append(
            ModelData("churn", "contact", features, empty, empty, b._intervention)
            if past.empty
            else ModelData(
                "churn",
                "contact",
                features,
                _labelled(past, features, "churned"),
                current,
                b._intervention,
            )
        )
    return out


def holdout_mask(ids: pd.Series) -> np.ndarray:
    """The same records are held out every time (a hash of the id, not a random draw)."""
    return np.array(
        [
            int(hashlib.sha256(str(i).encode()).hexdigest()[:8], 16) % HOLDOUT_BUCKETS == 0
            for i in ids
        ],
        dtype=bool,
    )


def _holdout_metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import brier_score_loss, roc_auc_score

    return {
        "auc": round(float(roc_auc_score(y, p)), 4),
        "brier": round(float(brier_score_loss(y, p)), 4),
    }


def parse_kinds(value: Any) -> list[str]:
    """The ``models`` parameter: a list (or comma-separated string) of built-in names."""
    if value is None:
        return list(BUILTIN_MODELS)
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise ValidationFailed(
            "models must be a list of model names",
            [FieldError(["params", "models"], "expected a list of names")],
        )
    kinds = [i.strip() for i in items if i.strip()]
    unknown = sorted(set(kinds) - set(BUILTIN_MODELS))
    if unknown or not kinds:
        raise ValidationFailed(
            f"unknown model(s) {', '.join(unknown) or '(none given)'}; "
            f"built-in models: {', '.join(BUILTIN_MODELS)}",
            [FieldError(["params", "models"], "unknown model")],
        )
    return kinds


def parse_margin(value: Any) -> float:
    if value is None:
        return DEFAULT_MARGIN
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 0.5:
        raise ValidationFailed(
            "margin must be a number between 0 and 0.5 (an AUC difference)",
            [FieldError(["params", "margin"], "expected 0 <= margin < 0.5")],
        )
    return float(value)


class Retrainer:
    def __init__(self, service: IntelligenceService, margin: float = DEFAULT_MARGIN) -> None:
        self.service = service
        self.margin = margin

    def run(self, kinds: Sequence[str], rescore: bool = True) -> list[RetrainOutcome]:
        # Every model is trained and evaluated before anything is written: on SQLite
        # the first write takes the database's one write lock until the job commits,
        # and the API must not wait behind minutes of training.
        plans = [self.evaluate(data, rescore) for data in model_data(self.service, kinds)]
        return [self.apply(plan) for plan in plans]

    def retrain(self, data: ModelData) -> RetrainOutcome:
        return self.apply(self.evaluate(data, rescore=False))

    def evaluate(self, data: ModelData, rescore: bool) -> Plan:
        """Train the challenger and compare it with the champion; reads only."""
        frame = data.labelled
        if frame.empty:
            return Plan(data, RetrainOutcome(data.kind, "skipped", "no labelled records"))
        held = holdout_mask(frame["id"])
        train, test = frame[~held], frame[held]
        y_test = test["outcome"].to_numpy()
        test_positive = int(y_test.sum())
        if min(test_positive, len(y_test) - test_positive) < MIN_HOLDOUT_PER_CLASS:
            reason = (
                f"held-out split too small to compare ({len(y_test)} rows, "
                f"{test_positive} positive); need {MIN_HOLDOUT_PER_CLASS} of each outcome"
            )
            return Plan(data, RetrainOutcome(data.kind, "skipped", reason))
        columns = [*data.features, "outcome"]
        try:
            trained = train_classifier(train[columns], "outcome", None)
        except KithError as exc:
            return Plan(data, RetrainOutcome(data.kind, "skipped", exc.detail))
        trained.params["holdout_split"] = SPLIT_RULE
        champion = self.service.repo.champion(data.kind)
        comparison: dict[str, Any] = {
            "holdout_rows": len(test),
            "holdout_positives": test_positive,
            "train_rows": len(train),
            "split": SPLIT_RULE,
            "margin": self.margin,
            "challenger": _holdout_metrics(y_test, trained.model.score(test[data.features])),
        }
        if champion is not None:
            comparison["champion_ref"] = version_ref(champion)
            comparison["champion_evaluation"], champion_scores = self._champion_scores(
                champion, train, test
            )
            comparison["champion"] = _holdout_metrics(y_test, champion_scores)
        decision, reason = self._decide(comparison, champion is None)
        unfit = guards.unfit_reason("classifier", trained.metrics, trained.baseline, trained.rows)
        if unfit is not None and decision in ("promoted", "first_champion"):
            decision, reason = "not_fit", unfit["en"]
        comparison["decision"] = decision
        comparison["reason"] = reason
        plan = Plan(data, RetrainOutcome(data.kind, decision, reason, comparison=comparison))
        plan.trained, plan.train_frame = trained, train[columns]
        if rescore:
            # Only a version fit to score writes scores (training/guards.py).
            if decision in ("promoted", "first_champion"):
                plan.score_rows = score_rows(data, trained.model)
            elif champion is not None and guards.version_unfit(champion) is None:
                plan.score_rows = score_rows(data, self.service.classifier(champion))
        return plan

    def apply(self, plan: Plan) -> RetrainOutcome:
        """Register the challenger, promote it if it won, write the scores."""
        outcome, data = plan.outcome, plan.data
        if plan.trained is None or plan.train_frame is None:
            return outcome
        version = self.service.register_classifier(
            data.kind,
            f"kith:{data.object_type} (scheduled retrain)",
            plan.train_frame,
            plan.trained,
        )
        version.metrics = {**version.metrics, "holdout_comparison": outcome.comparison}
        self.service.uow.session.flush()
        if outcome.decision == "promoted":
            self.service.promote(version.id)
        champion = self.service.repo.champion(data.kind) or version
        outcome.challenger, outcome.champion = version_ref(version), version_ref(champion)
        if plan.score_rows is not None and champion.status == "champion":
            counts = self.service.record_scores(
                data.kind, data.object_type, version_ref(champion), champion.id, plan.score_rows
            )
            outcome.scored = counts["scored"]
        return outcome

    def _champion_scores(
        self, champion: ModelVersion, train: pd.DataFrame, test: pd.DataFrame
    ) -> tuple[str, np.ndarray]:
        """The champion's held-out scores, never from a fit that saw the held-out rows.

        A champion trained by this retrainer never saw them (same split) and is
        judged as registered. One trained on every labelled row (``train-builtin``,
        a CSV) would be judged on its own training data, so its specification
        (algorithm, parameters, columns) is refitted on the training split instead.
        """
        from sklearn.base import clone

        model: ClassifierModel = self.service.classifier(champion)
        if champion.params.get("holdout_split") == SPLIT_RULE:
            return "as registered (trained without the held-out rows)", model.score(test)
        y = train["outcome"].to_numpy()
        refit = clone(model.pipeline).fit(prepare(train, model.plan), y)
        again = ClassifierModel(refit, model.algorithm, model.plan, model.classes)
        return (
            "its specification refitted on the training split (the registered version "
            "was trained on rows that are held out here)",
            again.score(test),
        )

    def _decide(self, comparison: dict[str, Any], first: bool) -> tuple[str, str]:
        new = comparison["challenger"]
        if first:
            return "first_champion", "no champion yet: the first version becomes the champion"
        old = comparison["champion"]
        gain = round(new["auc"] - old["auc"], 4)
        comparison["auc_gain"] = gain
        if gain < self.margin:
            return (
                "kept",
                f"challenger AUC {new['auc']} does not beat champion {old['auc']} "
                f"by the margin {self.margin} (gain {gain})",
            )
        if new["brier"] > old["brier"]:
            return (
                "kept",
                f"challenger AUC is better ({new['auc']} vs {old['auc']}) but its Brier score "
                f"is worse ({new['brier']} vs {old['brier']})",
            )
        return "promoted", f"challenger AUC {new['auc']} beats champion {old['auc']} by {gain}"


def score_rows(data: ModelData, model: ClassifierModel) -> list[ScoreRow]:
    """Scores and top factors of the records to score (open deals, working leads...)."""
    if data.to_score.empty:
        return []
    scores, factors = model.top_factors(data.to_score[data.features], 3)
    return [
        ScoreRow(
            record_id=str(record["id"]),
            score=float(scores[i]),
            factors=b._factors(factors[i]),
            account_id=b._opt(record.get("account_id")),
            contact_id=str(record["id"])
            if data.object_type == "contact"
            else b._opt(record.get("contact_id")),
            detail=data.detail_for(record, factors[i]) if data.detail_for else None,
        )
        for i, (_, record) in enumerate(data.to_score.iterrows())
    ]


def check_drift(service: IntelligenceService, kinds: Sequence[str]) -> list[dict[str, Any]]:
    """PSI of today's scoring population against each champion's training profile."""
    out: list[dict[str, Any]] = []
    for data in model_data(service, kinds):
        champion = service.repo.champion(data.kind)
        if champion is None:
            out.append({"kind": data.kind, "status": "skipped", "reason": "no champion"})
            continue
        if data.to_score.empty:
            out.append({"kind": data.kind, "status": "skipped", "reason": "nothing to score"})
            continue
        check = service.check_drift(champion.id, data.to_score[data.features])
        out.append(
            {
                "kind": data.kind,
                "status": "checked",
                "version": version_ref(champion),
                "rows": check.rows,
                "max_psi": check.max_psi,
                "alert": check.alert,
                "note": check.note,
            }
        )
    return out
