"""Explained scoring at scale: the grouped TreeSHAP equals LightGBM's and top-k is ordered."""

from __future__ import annotations

import json
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest

from kith.intelligence.training.classifier import ClassifierModel, _candidates
from kith.intelligence.training.features import infer_columns, prepare
from kith.intelligence.training.treeshap import PathTreeShap


def table(rows: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 5))
    x[:, 3] = rng.integers(0, 4, rows)  # few distinct values: many rows sit exactly on thresholds
    x[rng.random(rows) < 0.1, 0] = np.nan
    x[rng.random(rows) < 0.1, 1] = 0.0
    return x


def target(x: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    logit = np.nan_to_num(x[:, 0]) - x[:, 1] * x[:, 2] + 0.5 * x[:, 3]
    return np.asarray(rng.random(len(x)) < 1 / (1 + np.exp(-logit)), dtype=int)


@pytest.mark.parametrize(
    "params",
    [
        {},  # missing values seen in training: "NaN" splits
        {"use_missing": False},  # missing read as 0.0: "None" splits
        {"zero_as_missing": True},  # zeros and missing sent the default way: "Zero" splits
        {"num_leaves": 40},  # more splits than a directly indexed code allows
    ],
)
def test_grouped_treeshap_equals_lightgbm_pred_contrib(params: dict[str, Any]) -> None:
    x = table(6_000, 0)
    model = lgb.LGBMClassifier(**{"n_estimators": 40, "num_leaves": 15, "verbose": -1, **params})
    booster = model.fit(x, target(x, 1)).booster_
    fresh = table(5_000, 2)
    fresh[:50, 2] = np.nan  # missing where training had none
    expected = booster.predict(fresh, pred_contrib=True)
    np.testing.assert_allclose(PathTreeShap(booster).contributions(fresh), expected, atol=1e-9)
    # several chunks on several threads give the same values in the same order
    chunked = PathTreeShap(booster).contributions(fresh, chunk=1_100)
    np.testing.assert_allclose(chunked, expected, atol=1e-9)


def test_explained_scoring_at_scale_adds_up_and_orders_factors() -> None:
    rng = np.random.default_rng(4)
    rows = 12_000
    data = pd.DataFrame(
        {
            "tickets": rng.poisson(2, rows).astype(float),
            "tenure": rng.uniform(1, 60, rows),
            "plan": rng.choice(["basic", "pro", "enterprise"], rows),
            "noise": rng.normal(size=rows),
        }
    )
    data.loc[rng.random(rows) < 0.1, "tenure"] = np.nan
    logit = -0.5 + 0.9 * data["tickets"] - 0.06 * data["tenure"].fillna(30)
    data["churned"] = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)
    plan = infer_columns(data, exclude={"churned"})
    pipeline = _candidates(plan, rows)["lightgbm"].fit(prepare(data, plan), data["churned"])
    model = ClassifierModel(pipeline, "lightgbm", plan, ["0", "1"])

    scores, contrib, base = model.explain(data)  # above FAST_SHAP_ROWS: the grouped path
    np.testing.assert_allclose(scores, model.score(data), atol=1e-6)
    np.testing.assert_allclose(np.log(scores / (1 - scores)), base + contrib.sum(axis=1), atol=1e-6)

    _, top = model.explain_top(data, k=2)
    rows_json = top.json_rows()
    missing = int(np.flatnonzero(data["tenure"].isna().to_numpy())[0])
    for i in (0, 1, 777, missing, rows - 1):
        factors = top.row(i)
        magnitudes = np.sort(np.abs(contrib[i]))[::-1][:2]
        np.testing.assert_allclose([abs(f["contribution"]) for f in factors], magnitudes, atol=1e-4)
        assert json.loads(rows_json[i]) == factors
        for factor in factors:
            value = data.at[i, factor["name"]]
            assert factor["value"] == (None if pd.isna(value) else value)
    # every row's JSON is what json.dumps writes for its factors, missing values as null
    _, all_factors = model.top_factors(data.head(300), k=4)
    _, top = model.explain_top(data.head(300), k=4)
    assert [json.loads(r) for r in top.json_rows()] == all_factors
    assert any(f["value"] is None for row in all_factors for f in row)
