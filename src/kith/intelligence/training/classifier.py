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

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kith.core.errors import FieldError, ValidationFailed
from kith.core.lazy import lazy_module
from kith.core.settings import get_settings
from kith.intelligence.training.features import (
    ColumnPlan,
    infer_columns,
    prepare,
    preprocessor,
    source_columns,
)
from kith.intelligence.training.leakage import Finding, blocked_message, check_leakage
from kith.intelligence.training.treeshap import PathTreeShap

if TYPE_CHECKING:
    import lightgbm as lgb
    import numpy as np
    import pandas as pd
    from sklearn.pipeline import Pipeline
else:
    lgb = lazy_module("lightgbm")
    np = lazy_module("numpy")
    pd = lazy_module("pandas")

MIN_ROWS = 20
MIN_PER_CLASS = 5
TIE_AUC = 0.005
THRESHOLD = 0.5  # the operating threshold precision/recall are reported at
# Below this many rows LightGBM's own pred_contrib is quicker than grouping rows by path.
FAST_SHAP_ROWS = 5_000
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
    _shap: PathTreeShap | None = field(default=None, init=False, repr=False, compare=False)

    def score(self, frame: pd.DataFrame) -> np.ndarray:
        proba = self.pipeline.predict_proba(prepare(frame, self.plan))
        return np.asarray(proba[:, 1], dtype=np.float64)

    def explain(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(scores, contributions [rows x features], base) with logit = base + row sum."""
        return self._explain(prepare(frame, self.plan))

    def _explain(self, prepared: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        prep = self.pipeline[0]
        estimator = self.pipeline[-1]
        z = np.asarray(prep.transform(prepared), dtype=np.float64)
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
            raw = self._tree_contributions(estimator.booster_, z)
            contrib, base = raw[:, :-1], raw[:, -1]
        logit = base + contrib.sum(axis=1)
        return 1.0 / (1.0 + np.exp(-logit)), contrib, base

    def _tree_contributions(self, booster: lgb.Booster, z: np.ndarray) -> np.ndarray:
        if len(z) < FAST_SHAP_ROWS:
            return np.asarray(booster.predict(z, pred_contrib=True), dtype=np.float64)
        if self._shap is None:
            self._shap = PathTreeShap(booster)
        return self._shap.contributions(z)

    def explain_top(self, frame: pd.DataFrame, k: int = 3) -> tuple[np.ndarray, TopFactors]:
        """Scores and each row's k largest |contributions|, as arrays (no per-row objects)."""
        prepared = prepare(frame, self.plan)
        scores, contrib, _ = self._explain(prepared)
        k = min(k, contrib.shape[1])
        magnitude = np.abs(contrib)
        if k < contrib.shape[1]:
            cols = np.argpartition(-magnitude, k - 1, axis=1)[:, :k]
        else:
            cols = np.tile(np.arange(k), (len(contrib), 1))
        # argpartition leaves the k unordered: order them by |contribution|, largest first
        order = np.argsort(-np.take_along_axis(magnitude, cols, axis=1), axis=1, kind="stable")
        cols = np.take_along_axis(cols, order, axis=1)
        values = np.empty(cols.shape, dtype=object)
        for feature, name in enumerate(self.plan.features):  # box only the values shown
            rows, slots = np.nonzero(cols == feature)
            values[rows, slots] = prepared[name].to_numpy()[rows]
        top = TopFactors(
            names=list(self.plan.features),
            numeric=len(self.plan.numeric),
            columns=cols,
            contributions=np.round(np.take_along_axis(contrib, cols, axis=1), 4),
            values=values,
        )
        return scores, top

    def top_factors(
        self, frame: pd.DataFrame, k: int = 3, min_support: int | None = None
    ) -> tuple[np.ndarray, list[list[dict[str, Any]]]]:
        """Scores and each row's top factors; a factor whose value fewer than
        ``min_support`` training rows shared (default: the ``model_min_factor_support``
        setting) carries ``support`` and a zh/en ``note`` ("based on only 9 examples")."""
        if min_support is None:
            min_support = get_settings().model_min_factor_support
        scores, top = self.explain_top(frame, k)
        rows = top.as_lists()
        if self.plan.support:
            for factors in rows:
                for factor in factors:
                    flag_thin(
                        factor, self.plan.support_of(factor["name"], factor["value"]), min_support
                    )
        return scores, rows

    def thin_notes(self, top: TopFactors, min_support: int | None = None) -> list[str]:
        """Per row, a JSON array of the shown factors learnt from fewer than
        ``min_support`` training rows (name, value, support, zh/en note); "" when none —
        the ``factor_notes`` column of ``kith model predict``'s CSV."""
        if min_support is None:
            min_support = get_settings().model_min_factor_support
        out = [""] * len(top)
        if not self.plan.support:
            return out
        supported = [name in self.plan.support for name in top.names]
        cache: dict[tuple[int, Any], int | None] = {}
        for i in range(len(top)):
            thin: list[dict[str, Any]] = []
            for c, v in zip(top.columns[i], top.values[i], strict=True):
                if not supported[c]:
                    continue
                value = _plain(v)
                key = (int(c), value)
                if key not in cache:
                    cache[key] = self.plan.support_of(top.names[c], value)
                factor: dict[str, Any] = {"name": top.names[c], "value": value}
                flag_thin(factor, cache[key], min_support)
                if "note" in factor:
                    thin.append(factor)
            if thin:
                out[i] = json.dumps(thin, ensure_ascii=False)
        return out

    def importance(self, frame: pd.DataFrame, sample: int = 2000) -> dict[str, float]:
        """Global importance: mean |contribution| per feature on (a sample of) the data."""
        rows = frame if len(frame) <= sample else frame.sample(sample, random_state=0)
        _, contrib, _ = self.explain(rows)
        mean = np.abs(contrib).mean(axis=0)
        pairs = sorted(zip(self.plan.features, mean, strict=True), key=lambda p: -p[1])
        return {name: round(float(v), 4) for name, v in pairs}


def flag_thin(factor: dict[str, Any], support: int | None, min_support: int) -> None:
    """Mark a factor learnt from fewer than ``min_support`` training rows."""
    if support is None or support >= min_support:
        return
    factor["support"] = support
    factor["note"] = {
        "zh": f"仅基于 {support} 个样本",
        "en": f"based on only {support} example{'s' if support != 1 else ''}",
    }


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, np.generic):
        return None if pd.isna(value) else value.item()
    return value


@dataclass(frozen=True)
class TopFactors:
    """Each row's top factors as arrays; dicts or JSON are built only for rows asked for."""

    names: list[str]  # the plan's features: the numeric ones first
    numeric: int  # how many of ``names`` are numeric
    columns: np.ndarray  # [rows x k] feature index, largest |contribution| first
    contributions: np.ndarray  # [rows x k] log-odds, rounded to 4 places
    values: np.ndarray  # [rows x k] the input value (object)

    def __len__(self) -> int:
        return len(self.columns)

    def row(self, i: int) -> list[dict[str, Any]]:
        return [
            {"name": self.names[c], "contribution": float(w), "value": _plain(v)}
            for c, w, v in zip(self.columns[i], self.contributions[i], self.values[i], strict=True)
        ]

    def as_lists(self) -> list[list[dict[str, Any]]]:
        return [self.row(i) for i in range(len(self))]

    def json_rows(self) -> list[str]:
        """One JSON array per row, equal to ``json.dumps(row(i), ensure_ascii=False)``.

        Built column-wise (one slot of k at a time) because per-row ``json.dumps`` of a
        million rows costs as much as explaining them.
        """
        names = np.array([json.dumps(n, ensure_ascii=False) for n in self.names], dtype=object)
        numeric = np.array([i < self.numeric for i in range(len(self.names))], dtype=bool)
        out: Any = np.full(len(self), "[", dtype=object)
        for slot in range(self.columns.shape[1]):
            cols = self.columns[:, slot]
            weight = pd.Series(self.contributions[:, slot]).astype(str).to_numpy(dtype=object)
            value = _json_values(self.values[:, slot], numeric[cols])
            part = '{"name": ' + names[cols] + ', "contribution": ' + weight
            part = part + ', "value": ' + value + "}"
            out = out + part if slot == 0 else out + ", " + part
        rows: list[str] = (out + "]").tolist()
        return rows


def _json_values(values: np.ndarray, numeric: np.ndarray) -> np.ndarray:
    """JSON text of each value: numbers as ``repr`` (``null`` if missing), text quoted."""
    out = np.full(len(values), "null", dtype=object)
    if numeric.any():
        numbers = pd.Series(values[numeric], dtype=np.float64)
        out[numeric] = numbers.astype(str).where(numbers.notna(), "null").to_numpy(dtype=object)
    if (~numeric).any():
        texts = pd.Series(values[~numeric], dtype=object)
        cache = {v: json.dumps(v, ensure_ascii=False) for v in texts.dropna().unique()}
        out[~numeric] = texts.map(cache).where(texts.notna(), "null").to_numpy(dtype=object)
    return out


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
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

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
    from sklearn.metrics import (
        accuracy_score,
        brier_score_loss,
        f1_score,
        log_loss,
        precision_score,
        recall_score,
        roc_auc_score,
    )

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


class LeakageFound(ValidationFailed):
    """Training refused: columns the model would use look like they carry the outcome."""

    def __init__(self, findings: list[Finding]) -> None:
        text = blocked_message(findings)
        super().__init__(
            text["en"],
            [
                FieldError(["data", str(f.column)], f.message()["en"])
                for f in findings
                if f.blocking
            ],
        )
        self.findings = findings
        self.message_zh = text["zh"]


def train_classifier(
    frame: pd.DataFrame,
    target: str,
    id_column: str | None = None,
    *,
    label_date: str | None = None,
    drop: Sequence[str] = (),
    allow_leaky: Sequence[str] = (),
    min_support: int | None = None,
) -> TrainedClassifier:
    """Cross-validate the candidates and fit the best on every labelled row.

    Leakage checks (``leakage.py``) run first on the same folds; a finding on a
    column the model would use raises ``LeakageFound`` unless the column is in
    ``allow_leaky`` (columns in ``drop`` are removed before anything else).
    ``label_date`` names the date of the outcome: it is not a feature, and date
    columns later than it are reported. Missing-value indicators are learnt only
    for columns with at least ``min_support`` missing training rows (default: the
    ``model_min_factor_support`` setting).
    """
    from sklearn.base import clone
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    started = time.perf_counter()
    if min_support is None:
        min_support = get_settings().model_min_factor_support
    for flag, columns in (("--drop", drop), ("--allow-leaky", allow_leaky)):
        unknown = [c for c in columns if c not in frame.columns]
        if unknown:
            raise _bad(flag, f"column(s) not in the data: {', '.join(map(repr, unknown))}")
    if label_date is not None and label_date not in frame.columns:
        raise _bad("--label-date", f"label date column {label_date!r} is not in the data")
    if target in drop:
        raise _bad("--drop", f"{target!r} is the target; it cannot be dropped")
    frame = frame.drop(columns=list(drop))
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
    not_features = {target, *(c for c in (id_column, label_date) if c)}
    plan = infer_columns(data, exclude=not_features, min_support=min_support)
    if not plan.features:
        raise _bad("--data", f"no usable feature columns (dropped: {plan.dropped})")
    x = prepare(data, plan)

    folds = 5 if len(x) <= 20_000 else 3
    folds = min(folds, minority)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    fold_tests = [test for _, test in splitter.split(x, y)]
    findings = check_leakage(
        data.reset_index(drop=True),
        y,
        fold_tests,
        used=set(plan.features),
        skip={target, *([label_date] if label_date else [])},
        label_date=label_date,
    )
    for finding in findings:
        finding.allowed = finding.column in allow_leaky
    if any(f.blocking for f in findings):
        raise LeakageFound(findings)
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
    metrics["leakage"] = [f.as_dict() for f in findings]
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
        "label_date": label_date,
        "dropped_columns": list(drop),
        "allowed_leaky": sorted(f.column for f in findings if f.allowed and f.column),
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
