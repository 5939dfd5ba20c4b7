"""Benchmarks of the intelligence context; prints one JSON document.

  .venv/bin/python bench/bench_intelligence.py [--train-rows 100000] [--score-rows 1000000]

- training time on generated tabular data (the full `kith model train` path:
  type inference, both candidates cross-validated, refit, importance);
- scoring throughput (score only) and explanation throughput (score + factors);
- AUC/accuracy against the prior baseline on sklearn's bundled breast-cancer
  data (shipped in the package, no download) and on the generated data;
- forecast MASE/MAPE against seasonal-naive on statsmodels' bundled CO2
  (monthly means), El Niño SST (monthly) and US real GDP (quarterly) series;
- sentiment accuracy on the hand-labelled zh/en set.

A model no better than its baseline is reported with better_than_baseline=false.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from typing import Any

import numpy as np
import pandas as pd


def generated(rows: int, seed: int = 0) -> pd.DataFrame:
    """A churn-like table: 8 numbers, 4 categories, missing values, a non-linear signal."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({f"n{i}": rng.normal(size=rows) for i in range(8)})
    for i, size in enumerate((3, 5, 12, 40)):
        frame[f"c{i}"] = rng.integers(0, size, rows).astype(str)
    frame.loc[rng.random(rows) < 0.05, "n0"] = np.nan
    frame.loc[rng.random(rows) < 0.05, "c1"] = None
    logit = (
        0.9 * frame["n0"].fillna(0)
        - 0.7 * frame["n1"]
        + 0.5 * frame["n2"] * frame["n3"]
        + 0.8 * (frame["c0"] == "1")
        + 0.3 * frame["c2"].astype(int) / 11
        - 0.4
    )
    frame["outcome"] = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)
    return frame


def bench_classifier(train_rows: int, score_rows: int) -> dict[str, Any]:
    from kith.intelligence.classifier import ClassifierModel, _candidates, train_classifier
    from kith.intelligence.features import infer_columns, prepare

    data = generated(train_rows)
    trained = train_classifier(data, "outcome")
    out: dict[str, Any] = {
        "dataset": f"generated churn-like table ({train_rows} rows, 12 features, 5% missing)",
        "training_seconds": trained.seconds,
        "training_target_seconds": 60,
        "algorithm": trained.model.algorithm,
        "candidates_auc": trained.candidates,
        "auc": trained.metrics["auc"],
        "accuracy": trained.metrics["accuracy"],
        "baseline": trained.baseline,
        "better_than_baseline": trained.metrics["better_than_baseline"],
        "evaluation": trained.metrics["evaluation"],
    }
    big = generated(score_rows, seed=1).drop(columns="outcome")
    started = time.perf_counter()
    trained.model.score(big)
    seconds = time.perf_counter() - started
    out["scoring"] = {
        "rows": score_rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(score_rows / seconds),
        "target_seconds": 60,
    }
    sample = big.head(10_000)
    started = time.perf_counter()
    trained.model.top_factors(sample, 3)
    seconds = time.perf_counter() - started
    out["explaining"] = {
        "algorithm": trained.model.algorithm,
        "rows": len(sample),
        "rows_per_second": round(len(sample) / seconds),
    }
    # The tree model's TreeSHAP cost, measured even when it did not win.
    plan = infer_columns(data, exclude={"outcome"})
    small = data.head(20_000)
    tree = _candidates(plan, len(small))["lightgbm"].fit(prepare(small, plan), small["outcome"])
    lgbm = ClassifierModel(tree, "lightgbm", plan, ["0", "1"])
    rows = big.head(2_000)
    started = time.perf_counter()
    lgbm.explain(rows)
    seconds = time.perf_counter() - started
    out["explaining_lightgbm_treeshap"] = {
        "rows": len(rows),
        "rows_per_second": round(len(rows) / seconds),
    }
    return out


def bench_public_classifier() -> dict[str, Any]:
    from sklearn.datasets import load_breast_cancer

    from kith.intelligence.classifier import train_classifier

    bunch = load_breast_cancer(as_frame=True)
    frame = bunch.frame.rename(columns={"target": "benign"})
    trained = train_classifier(frame, "benign")
    return {
        "dataset": "sklearn load_breast_cancer (569 rows, 30 features; bundled, no download)",
        "algorithm": trained.model.algorithm,
        "candidates_auc": trained.candidates,
        "auc": trained.metrics["auc"],
        "accuracy": trained.metrics["accuracy"],
        "baseline": trained.baseline,
        "better_than_baseline": trained.metrics["better_than_baseline"],
        "training_seconds": trained.seconds,
    }


def forecast_series() -> dict[str, tuple[pd.Series, str]]:
    import statsmodels.datasets as datasets

    co2 = datasets.co2.load_pandas().data["co2"].interpolate()
    co2 = co2.resample("MS").mean()
    co2 = co2[co2.index >= "1982-01-01"]
    nino = datasets.elnino.load_pandas().data.set_index("YEAR")
    stacked = nino.stack()
    index = pd.to_datetime(
        [f"{int(y)}-{m.title()}-01" for y, m in stacked.index], format="%Y-%b-%d"
    )
    sst = pd.Series(stacked.to_numpy(dtype=float), index=index).sort_index()
    sst = sst[sst.index >= "1990-01-01"]
    macro = datasets.macrodata.load_pandas().data
    gdp = pd.Series(
        macro["realgdp"].to_numpy(dtype=float),
        index=pd.PeriodIndex.from_fields(
            year=macro["year"].astype(int), quarter=macro["quarter"].astype(int), freq="Q"
        ).to_timestamp(),
    )
    return {
        "statsmodels co2 (Mauna Loa, monthly mean 1982-2001)": (co2, "M"),
        "statsmodels elnino (Pacific SST, monthly 1990-2010)": (sst, "M"),
        "statsmodels macrodata realgdp (quarterly 1959-2009)": (gdp, "Q"),
    }


def bench_forecast() -> list[dict[str, Any]]:
    from kith.intelligence.forecast import train_forecast

    out = []
    for name, (series, freq) in forecast_series().items():
        result = train_forecast(series, freq)
        out.append(
            {
                "dataset": name,
                "periods": len(series),
                "algorithm": result.algorithm,
                "mase": result.metrics["mase"],
                "mape": result.metrics["mape"],
                "baseline": result.baseline,
                "better_than_baseline": result.metrics["better_than_baseline"],
                "evaluation": result.metrics["evaluation"],
                "seconds": result.seconds,
            }
        )
    return out


def bench_sentiment() -> dict[str, Any]:
    from kith.intelligence.evaluation import LABELLED
    from kith.intelligence.sentiment import analyse

    predicted = [analyse(text).label for text, _ in LABELLED]
    truth = [label for _, label in LABELLED]
    correct = sum(p == t for p, t in zip(predicted, truth, strict=True))
    majority = max(truth.count(x) for x in set(truth)) / len(truth)
    started = time.perf_counter()
    texts = [t for t, _ in LABELLED] * 400
    for text in texts:
        analyse(text)
    seconds = time.perf_counter() - started
    return {
        "dataset": f"kith.intelligence.evaluation.LABELLED ({len(LABELLED)} zh/en messages)",
        "accuracy": round(correct / len(truth), 4),
        "baseline_majority_accuracy": round(majority, 4),
        "better_than_baseline": correct / len(truth) > majority,
        "messages_per_second": round(len(texts) / seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train-rows", type=int, default=100_000)
    parser.add_argument("--score-rows", type=int, default=1_000_000)
    args = parser.parse_args()
    report = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average": os.getloadavg()[0],
        },
        "classifier": bench_classifier(args.train_rows, args.score_rows),
        "classifier_public": bench_public_classifier(),
        "forecast": bench_forecast(),
        "sentiment": bench_sentiment(),
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
