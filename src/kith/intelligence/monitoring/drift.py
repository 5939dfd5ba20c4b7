"""Population stability index (PSI) between the training data and new data.

A profile is taken at training time: decile edges and shares for numbers, the
shares of the most frequent categories for text, ten equal bins for the score.
PSI = sum((new - old) * ln(new / old)) over the bins; the usual reading is
< 0.1 stable, 0.1-0.25 some shift, > 0.25 a shift worth acting on (the alert
threshold used here).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kith.core.lazy import lazy_module

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    np = lazy_module("numpy")
    pd = lazy_module("pandas")


ALERT_PSI = 0.25
_EPS = 1e-4
TOP_CATEGORIES = 20


def _shares(counts: np.ndarray) -> list[float]:
    total = counts.sum()
    return [float(c / total) if total else 0.0 for c in counts]


def numeric_profile(values: pd.Series) -> dict[str, Any]:
    present = values.dropna().to_numpy(dtype=np.float64)
    edges: Any = (
        np.unique(np.quantile(present, np.linspace(0, 1, 11)[1:-1])) if len(present) else []
    )
    return {
        "type": "numeric",
        "edges": [float(e) for e in edges],
        "shares": _numeric_shares(values, list(edges)),
    }


def _numeric_shares(values: pd.Series, edges: list[float]) -> list[float]:
    array = values.to_numpy(dtype=np.float64)
    missing = np.isnan(array)
    bins = np.searchsorted(np.asarray(edges), array[~missing], side="right")
    counts = np.bincount(bins, minlength=len(edges) + 1).astype(float)
    return _shares(np.append(counts, missing.sum()))


def categorical_profile(values: pd.Series) -> dict[str, Any]:
    top = [str(v) for v in values.dropna().astype(str).value_counts().index[:TOP_CATEGORIES]]
    return {"type": "categorical", "categories": top, "shares": _categorical_shares(values, top)}


def _categorical_shares(values: pd.Series, categories: list[str]) -> list[float]:
    text = values.astype(object).where(values.notna(), None)
    index = {c: i for i, c in enumerate(categories)}
    counts = np.zeros(len(categories) + 2)
    for value in text:
        if value is None:
            counts[-1] += 1
        else:
            counts[index.get(str(value), len(categories))] += 1
    return _shares(counts)


def score_profile(scores: np.ndarray) -> dict[str, Any]:
    counts = np.histogram(np.clip(scores, 0, 1), bins=10, range=(0, 1))[0].astype(float)
    return {"type": "score", "shares": _shares(counts)}


def profile(frame: pd.DataFrame, numeric: list[str], categorical: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in numeric:
        out[name] = numeric_profile(frame[name])
    for name in categorical:
        out[name] = categorical_profile(frame[name])
    return out


def psi(expected: list[float], actual: list[float]) -> float:
    e = np.clip(np.asarray(expected, dtype=np.float64), _EPS, None)
    a = np.clip(np.asarray(actual, dtype=np.float64), _EPS, None)
    return float(np.sum((a - e) * np.log(a / e)))


def compare(
    reference: dict[str, Any], frame: pd.DataFrame, scores: np.ndarray | None
) -> dict[str, float]:
    """PSI per profiled feature (and ``score`` when both sides have scores)."""
    out: dict[str, float] = {}
    for name, prof in reference.items():
        if prof["type"] == "numeric" and name in frame.columns:
            shares = _numeric_shares(frame[name], prof["edges"])
        elif prof["type"] == "categorical" and name in frame.columns:
            shares = _categorical_shares(frame[name], prof["categories"])
        elif prof["type"] == "score" and scores is not None:
            shares = score_profile(scores)["shares"]
        else:
            continue
        out[name] = round(psi(prof["shares"], shares), 4)
    return out
