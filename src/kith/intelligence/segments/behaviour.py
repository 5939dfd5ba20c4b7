"""RFM segmentation and behavioural clustering of customers.

RFM: recency (days since the last order), frequency (orders) and monetary
value (total spend), each scored 1-5 by quintile of rank (5 = best), then
named with the usual rules (champions, loyal, at risk, ...). Clustering:
k-means on standardised log(R, F, M), k from 2 to 6 chosen by silhouette.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from kith.core.lazy import lazy_module

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    np = lazy_module("numpy")
    pd = lazy_module("pandas")

# (name, rule on recency score, frequency score and the raw order count); first match wins.
# A one-order customer is never "loyal" or "at risk", however the ranks tie.
SEGMENTS = (
    ("champions", lambda r, f, n: r >= 4 and f >= 4 and n >= 2),
    ("loyal", lambda r, f, n: f >= 4 and n >= 2),
    ("new", lambda r, f, n: r >= 4 and n <= 1),
    ("at_risk", lambda r, f, n: r <= 2 and f >= 3 and n >= 2),
    ("hibernating", lambda r, f, n: r <= 2),
    ("potential", lambda r, f, n: True),
)


def _quintile(values: pd.Series, higher_is_better: bool) -> pd.Series:
    """1-5 by quintile of rank; ties share their average rank, so equal values score alike."""
    share = values.rank(method="average", ascending=higher_is_better, pct=True)
    return np.ceil(share * 5).clip(1, 5).astype(int)


def rfm(orders: pd.DataFrame, now: datetime) -> pd.DataFrame:
    """``orders`` has customer, ordered_at (naive UTC) and total; one row per customer out."""
    today = np.datetime64(now.replace(tzinfo=None))
    grouped = orders.groupby("customer")
    out = pd.DataFrame(
        {
            "recency_days": (today - grouped["ordered_at"].max()).dt.total_seconds() / 86400,
            "frequency": grouped.size().astype(float),
            "monetary": grouped["total"].sum().astype(float),
        }
    )
    if len(out) < 5:
        out["r"] = out["f"] = out["m"] = 3
    else:
        out["r"] = _quintile(out["recency_days"], higher_is_better=False)
        out["f"] = _quintile(out["frequency"], higher_is_better=True)
        out["m"] = _quintile(out["monetary"], higher_is_better=True)
    out["segment"] = [
        next(name for name, rule in SEGMENTS if rule(r, f, n))
        for r, f, n in zip(out["r"], out["f"], out["frequency"], strict=True)
    ]
    return out


def clusters(table: pd.DataFrame, max_k: int = 6) -> tuple[np.ndarray, int, float]:
    """(cluster per row, k, silhouette) on log-scaled recency, frequency, monetary."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    from sklearn.preprocessing import StandardScaler

    features = np.log1p(
        table[["recency_days", "frequency", "monetary"]].clip(lower=0).to_numpy(dtype=float)
    )
    scaled = StandardScaler().fit_transform(features)
    best: tuple[np.ndarray, int, float] = (np.zeros(len(table), dtype=int), 1, 0.0)
    for k in range(2, min(max_k, len(table) - 1) + 1):
        labels = KMeans(n_clusters=k, n_init=5, random_state=0).fit_predict(scaled)
        if len(set(labels)) < 2:
            continue
        score = float(silhouette_score(scaled, labels, sample_size=min(len(table), 5000),
                                       random_state=0))  # fmt: skip
        if score > best[2]:
            best = (labels, k, score)
    return best


def summary(table: pd.DataFrame) -> dict[str, Any]:
    by_segment = table.groupby("segment").agg(
        customers=("r", "size"),
        recency_days=("recency_days", "mean"),
        frequency=("frequency", "mean"),
        monetary=("monetary", "mean"),
    )
    return {
        name: {k: round(float(v), 2) for k, v in row.items()}
        for name, row in by_segment.sort_values("customers", ascending=False).iterrows()
    }
