"""Binary classifiers on any table: training, honest evaluation and explanations.

Two candidates are cross-validated on the same folds: a regularised logistic
regression (one-hot categories, scaled numbers, missing-value indicators) and
LightGBM (ordinal categories, native missing values). The better out-of-fold
AUC wins; a tie (within ``TIE_AUC``) goes to the logistic regression, whose
explanations are exact and free. The metrics reported are the out-of-fold
ones, never the training fit, next to a prior-only baseline.

Explanations are the model's own additive attribution in log-odds:
``logit(score) = base + sum(contributions)`` holds exactly, for the linear
model (coefficient x distance from the training mean, summed over the one-hot
columns of one input) and for LightGBM (TreeSHAP via ``pred_contrib``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    accuracy_score,
    brier_score_loss,
    f1_score,
    log_loss,
    precision_score,
    recall_score,
    roc_auc_score,
)
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline

from kith.core.errors import FieldError, ValidationFailed
from kith.intelligence.features import (
    ColumnPlan,
    infer_columns,
    prepare,
    preprocessor,
    source_columns,
)

MIN_ROWS = 20
MIN_PER_CLASS = 5
TIE_AUC = 0.005
THRESHOLD = 0.5  # the operating threshold precision/recall are reported at
_TRUE_WORDS = frozenset({"1", "1.0", "true", "yes", "y", "t", "positive", "是", "churned", "won"})


def _bad(path: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, [FieldError([path], message)])


@dataclass
class ClassifierModel:
    """What is stored and loaded: the fitted pipeline and what explaining it needs."""

    pipeline: Pipeline
    algorithm: str
    plan: ColumnPlan
    classes: list[str]  # [negative, positive]
    reference: np.ndarray = field(default_factory=lambda: np.zeros(0))
    threshold: float = THRESHOLD

    def score(self, frame: pd.DataFrame) -> np.ndarray:
        proba = self.pipeline.predict_proba(prepare(frame, self.plan))
        return np.asarray(proba[:, 1], dtype=np.float64)

    def explain(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(scores, contributions [rows x features], base) with logit = base + row sum."""
        prep = self.pipeline[0]
        estimator = self.pipeline[-1]
        z = np.asarray(prep.transform(prepare(frame, self.plan)), dtype=np.float64)
        if self.algorithm == "logistic_regression":
            coef = np.asarray(estimator.coef_[0], dtype=np.float64)
            owners = source_columns(prep)
            index = {name: i for i, name in enumerate(self.plan.features)}
            mapping = np.zeros((len(owners), len(self.plan.features)))
            for col, owner in enumerate(owners):
                mapping[col, index[owner]] = 1.0
            contrib = ((z - self.reference) * coef) @ mapping
            base = np.full(len(z), float(estimator.intercept_[0] + coef @ self.reference))
        else:
            raw = np.asarray(estimator.booster_.predict(z, pred_contrib=True), dtype=np.float64)
            contrib, base = raw[:, :-1], raw[:, -1]
        logit = base + contrib.sum(axis=1)
        return 1.0 / (1.0 + np.exp(-logit)), contrib, base

    def top_factors(
        self, frame: pd.DataFrame, k: int = 3
    ) -> tuple[np.ndarray, list[list[dict[str, Any]]]]:
        scores, contrib, _ = self.explain(frame)
        names = self.plan.features
        values = prepare(frame, self.plan)
        out: list[list[dict[str, Any]]] = []
        order = np.argsort(-np.abs(contrib), axis=1)[:, :k]
        for row, cols in enumerate(order):
            factors = []
            for col in cols:
                value = values.iat[row, col]
                factors.append(
                    {
                        "name": names[col],
                        "contribution": round(float(contrib[row, col]), 4),
                        "value": None if pd.isna(value) else _plain(value),
                    }
                )
            out.append(factors)
        return scores, out

    def importance(self, frame: pd.DataFrame, sample: int = 2000) -> dict[str, float]:
        """Global importance: mean |contribution| per feature on (a sample of) the data."""
        rows = frame if len(frame) <= sample else frame.sample(sample, random_state=0)
        _, contrib, _ = self.explain(rows)
        mean = np.abs(contrib).mean(axis=0)
        pairs = sorted(zip(self.plan.features, mean, strict=True), key=lambda p: -p[1])
        return {name: round(float(v), 4) for name, v in pairs}


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


@dataclass
class TrainedClassifier:
    model: ClassifierModel
    metrics: dict[str, Any]
    baseline: dict[str, Any]
    candidates: dict[str, float]
    params: dict[str, Any]
    importance: dict[str, float]
    rows: int
    seconds: float


def _labels(frame: pd.DataFrame, target: str) -> tuple[pd.Series, list[str]]:
    if target not in frame.columns:
        raise _bad("--target", f"target column {target!r} is not in the data")
    raw = frame[target]
    present = raw.dropna()
    if present.empty:
        raise _bad("--target", f"target column {target!r} is empty")
    text = present.astype(str).str.strip()
    values = sorted(text.unique())
    if len(values) == 1:
        raise _bad("--target", f"target column {target!r} is constant ({values[0]!r})")
    if len(values) > 2:
        shown = ", ".join(repr(v) for v in values[:5])
        raise _bad(
            "--target",
            f"target column {target!r} has {len(values)} values ({shown}...); "
            "a classifier needs a binary outcome",
        )
    truthy = [v for v in values if v.lower() in _TRUE_WORDS]
    positive = truthy[0] if len(truthy) == 1 else values[1]
    negative = values[0] if positive == values[1] else values[1]
    return (text == positive).astype(int), [negative, positive]


def _candidates(plan: ColumnPlan, rows: int) -> dict[str, Pipeline]:
    linear = Pipeline(
        [
            ("prep", preprocessor(plan, "onehot")),
            ("model", LogisticRegression(C=1.0, max_iter=500)),
        ]
    )
    tree = Pipeline(
        [
            ("prep", preprocessor(plan, "ordinal")),
            (
                "model",
                lgb.LGBMClassifier(
                    n_estimators=150,
                    learning_rate=0.08,
                    num_leaves=15,
                    min_child_samples=max(5, min(20, rows // 50)),
                    subsample=0.9,
                    subsample_freq=1,
                    random_state=0,
                    n_jobs=1 if rows < 50_000 else 2,
                    verbose=-1,
                ),
            ),
        ]
    )
    return {"logistic_regression": linear, "lightgbm": tree}


def _metrics(y: np.ndarray, p: np.ndarray) -> dict[str, Any]:
    predicted = (p >= THRESHOLD).astype(int)
    bins = np.minimum((p * 10).astype(int), 9)
    ece = sum(
        abs(p[bins == b].mean() - y[bins == b].mean()) * (bins == b).mean()
        for b in range(10)
        if (bins == b).any()
    )
    return {
        "auc": round(float(roc_auc_score(y, p)), 4),
        "accuracy": round(float(accuracy_score(y, predicted)), 4),
        "precision": round(float(precision_score(y, predicted, zero_division=0)), 4),
        "recall": round(float(recall_score(y, predicted, zero_division=0)), 4),
        "f1": round(float(f1_score(y, predicted, zero_division=0)), 4),
        "brier": round(float(brier_score_loss(y, p)), 4),
        "log_loss": round(float(log_loss(y, np.clip(p, 1e-6, 1 - 1e-6))), 4),
        "calibration_error": round(float(ece), 4),
        "threshold": THRESHOLD,
    }


def train_classifier(
    frame: pd.DataFrame, target: str, id_column: str | None = None
) -> TrainedClassifier:
    started = time.perf_counter()
    if id_column is not None and id_column not in frame.columns:
        raise _bad("--id", f"id column {id_column!r} is not in the data")
    y_all, classes = _labels(frame, target)
    data = frame.loc[y_all.index]
    y = y_all.to_numpy()
    if len(data) < MIN_ROWS:
        raise _bad("--data", f"too few rows with a target: {len(data)} (need at least {MIN_ROWS})")
    minority = int(min(y.sum(), len(y) - y.sum()))
    if minority < MIN_PER_CLASS:
        raise _bad(
            "--target",
            f"too few rows of the rarer outcome: {minority} (need at least {MIN_PER_CLASS})",
        )
    plan = infer_columns(data, exclude={target, *([id_column] if id_column else [])})
    if not plan.features:
        raise _bad("--data", f"no usable feature columns (dropped: {plan.dropped})")
    x = prepare(data, plan)

    folds = 5 if len(x) <= 20_000 else 3
    folds = min(folds, minority)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    candidates = _candidates(plan, len(x))
    oof: dict[str, np.ndarray] = {}
    for name, pipeline in candidates.items():
        predictions = np.zeros(len(x))
        for train_idx, test_idx in splitter.split(x, y):
            fitted = clone(pipeline).fit(x.iloc[train_idx], y[train_idx])
            predictions[test_idx] = fitted.predict_proba(x.iloc[test_idx])[:, 1]
        oof[name] = predictions
    aucs = {name: round(float(roc_auc_score(y, p)), 4) for name, p in oof.items()}
    best = max(aucs, key=lambda n: aucs[n])
    if aucs["logistic_regression"] >= aucs[best] - TIE_AUC:
        best = "logistic_regression"

    pipeline = clone(candidates[best]).fit(x, y)
    reference = np.zeros(0)
    if best == "logistic_regression":
        reference = np.asarray(pipeline[0].transform(x), dtype=np.float64).mean(axis=0)
    model = ClassifierModel(pipeline, best, plan, classes, reference)

    metrics = _metrics(y, oof[best])
    metrics["evaluation"] = f"{folds}-fold stratified cross-validation (out-of-fold)"
    prior = float(y.mean())
    baseline: dict[str, Any] = {
        "name": "prior (always the base rate)",
        "auc": 0.5,
        "accuracy": round(max(prior, 1 - prior), 4),
        "brier": round(prior * (1 - prior), 4),
    }
    metrics["better_than_baseline"] = bool(
        metrics["auc"] > baseline["auc"] + 0.02 and metrics["brier"] < baseline["brier"]
    )
    params = {
        "algorithm": best,
        "estimator": {
            k: v
            for k, v in pipeline[-1].get_params().items()
            if isinstance(v, int | float | str | bool) or v is None
        },
        "positive_class": classes[1],
        "negative_class": classes[0],
        "target": target,
        "id_column": id_column,
        "rows_without_target": int(len(frame) - len(data)),
    }
    return TrainedClassifier(
        model=model,
        metrics=metrics,
        baseline=baseline,
        candidates=aucs,
        params=params,
        importance=model.importance(data),
        rows=len(data),
        seconds=round(time.perf_counter() - started, 3),
    )
