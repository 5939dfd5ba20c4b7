"""Model guards (issue 22) measured; prints one JSON document.

  PYTHONPATH=src .venv/bin/python bench/bench_model_guards.py [--rows 100000]

- leakage: the won/lost table with ``close_value`` (0 for every lost deal) is
  refused and names the column; the same table without it trains with no
  finding; the cost of the checks on a generated table of ``--rows`` rows
  (bench_intelligence's churn-like table) against the whole training;
- missing-value indicators: on the Telco-like table (11 blank TotalCharges, all
  at tenure 0, none churned), the TotalCharges factor of those rows with an
  indicator learnt from 11 rows (the old behaviour, ``min_support=0``) and now;
- forecast: every candidate's holdout MASE and the winner on a strongly seasonal
  monthly series (60 months) and the baseline chosen for a 20-month series.

The tables are the tests' (tests/unit/test_intelligence_model_guards.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_intelligence import generated
from tests.unit.test_intelligence_model_guards import (
    seasonal_series,
    telco_like,
    won_lost,
)


def bench_leakage(rows: int) -> dict[str, Any]:
    from sklearn.model_selection import StratifiedKFold

    from kith.intelligence.training.classifier import LeakageFound, train_classifier
    from kith.intelligence.training.features import infer_columns
    from kith.intelligence.training.leakage import check_leakage

    out: dict[str, Any] = {}
    try:
        train_classifier(won_lost(), "outcome")
        out["won_lost_with_close_value"] = "trained (NOT flagged)"
    except LeakageFound as refused:
        out["won_lost_with_close_value"] = [f.as_dict() for f in refused.findings]
    allowed = train_classifier(won_lost(), "outcome", allow_leaky=["close_value"])
    clean = train_classifier(won_lost(leak=False), "outcome")
    out["auc_with_close_value_allowed"] = allowed.metrics["auc"]
    out["auc_without_close_value"] = clean.metrics["auc"]
    out["findings_without_close_value"] = clean.metrics["leakage"]

    data = generated(rows)
    y = data["outcome"].to_numpy()
    plan = infer_columns(data, exclude={"outcome"})
    folds = [t for _, t in StratifiedKFold(3, shuffle=True, random_state=0).split(data, y)]
    started = time.perf_counter()
    findings = check_leakage(data, y, folds, set(plan.features), {"outcome"})
    checks = time.perf_counter() - started
    trained = train_classifier(data, "outcome")
    out["generated"] = {
        "rows": rows,
        "features": len(plan.features),
        "check_seconds": round(checks, 2),
        "training_seconds_including_checks": trained.seconds,
        "findings": [f.as_dict() for f in findings],
    }
    return out


def bench_indicators() -> dict[str, Any]:
    from kith.intelligence.training.classifier import train_classifier

    data = telco_like()
    blanks = data.head(11)
    out: dict[str, Any] = {}
    for label, support in (("indicator_from_11_rows (before)", 0), ("min_support_30 (now)", 30)):
        trained = train_classifier(data, "Churn", min_support=support)
        _, factors = trained.model.top_factors(blanks, 4, min_support=30)
        total = [f for f in factors[0] if f["name"] == "TotalCharges"]
        out[label] = {
            "auc": trained.metrics["auc"],
            "algorithm": trained.model.algorithm,
            "top_factor": factors[0][0],
            "total_charges_factor": total[0] if total else None,
        }
    return out


def bench_forecast() -> dict[str, Any]:
    from kith.intelligence.forecast.series import train_forecast

    out: dict[str, Any] = {}
    for periods in (60, 20):
        result = train_forecast(seasonal_series(periods), "M")
        out[f"seasonal_monthly_{periods}"] = {
            "algorithm": result.algorithm,
            "mase": result.metrics["mase"],
            "candidates_mase": {k: v["mase"] for k, v in result.candidates.items()},
            "baseline": result.baseline,
            "seconds": result.seconds,
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    report = {
        "leakage": bench_leakage(args.rows),
        "missing_indicators": bench_indicators(),
        "forecast": bench_forecast(),
    }
    print(json.dumps(report, ensure_ascii=False, indent=2, default=str))


if __name__ == "__main__":
    main()
