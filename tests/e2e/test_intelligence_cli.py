"""`kith model ...` on the user's own CSV files, run as a real subprocess."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest


def kith(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
    environment.update({"KITH_HOME": str(home), "KITH_MODE": "production"})
    return subprocess.run(
        [sys.executable, "-m", "kith", "model", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
        check=False,
    )


def churn_csv(path: Path, rows: int = 300, seed: int = 1) -> Path:
    """Churn driven by short tenure, many tickets and the basic plan; some gaps."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "customer": [f"C{i:05d}" for i in range(rows)],
            "tenure_months": rng.integers(1, 60, rows).astype(float),
            "plan": rng.choice(["basic", "pro", "enterprise"], rows),
            "tickets": rng.poisson(2, rows),
            "city": rng.choice(["上海", "北京", "深圳"], rows),
        }
    )
    frame.loc[rng.random(rows) < 0.1, "tenure_months"] = np.nan
    frame.loc[rng.random(rows) < 0.05, "plan"] = None
    logit = (
        1.5
        - 0.08 * frame["tenure_months"].fillna(30)
        + 0.6 * frame["tickets"]
        + 1.2 * (frame["plan"] == "basic")
    )
    frame["churned"] = np.where(rng.random(rows) < 1 / (1 + np.exp(-logit)), "yes", "no")
    frame.to_csv(path, index=False)
    return path


def test_train_predict_promote_and_roll_back_a_classifier(tmp_path: Path) -> None:
    home = tmp_path / "home"
    data = churn_csv(tmp_path / "churn.csv")

    first = kith(
        home,
        "train",
        "classifier",
        "--data",
        str(data),
        "--target",
        "churned",
        "--id",
        "customer",
        "--json",
    )
    assert first.returncode == 0, first.stderr
    result = json.loads(first.stdout)
    assert result["ref"] == "churn@1"
    assert result["status"] == "champion"
    assert result["auc"] > 0.7  # a learnable signal is learned...
    assert result["accuracy"] > result["baseline"]["accuracy"]  # ...and beats the base rate
    assert result["better_than_baseline"] is True
    assert result["baseline"]["auc"] == 0.5
    assert "customer" not in result["features"]["numeric"] + result["features"]["categorical"]
    assert set(result["features"]["categorical"]) >= {"plan", "city"}
    assert len(result["data_hash"]) == 64
    assert result["training_seconds"] > 0

    scored_path = tmp_path / "scored.csv"
    predicted = kith(
        home, "predict", result["version"], "--data", str(data), "--out", str(scored_path), "--json"
    )
    assert predicted.returncode == 0, predicted.stderr
    with scored_path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 300
    assert {"customer", "score", "predicted", "top_factors"} <= set(rows[0])
    assert all(0.0 <= float(r["score"]) <= 1.0 for r in rows)
    factors = json.loads(rows[0]["top_factors"])
    assert len(factors) == 3
    assert {f["name"] for f in factors} <= {"tenure_months", "plan", "tickets", "city"}
    # Customers with many tickets score higher than those with none, on average.
    many = [float(r["score"]) for r in rows if int(r["tickets"]) >= 4]
    none = [float(r["score"]) for r in rows if int(r["tickets"]) == 0]
    assert sum(many) / len(many) > sum(none) / len(none)

    second = kith(
        home,
        "train",
        "classifier",
        "--data",
        str(churn_csv(tmp_path / "churn.csv", seed=2)),
        "--target",
        "churned",
        "--json",
    )
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["status"] == "challenger"

    promoted = kith(home, "promote", "churn@2", "--json")
    assert promoted.returncode == 0, promoted.stderr
    listed = {m["ref"]: m["status"] for m in json.loads(kith(home, "list", "--json").stdout)}
    assert listed == {"churn@1": "retired", "churn@2": "champion"}

    rolled = kith(home, "rollback", "churn", "--json")
    assert rolled.returncode == 0, rolled.stderr
    assert json.loads(rolled.stdout)["ref"] == "churn@1"
    listed = {m["ref"]: m["status"] for m in json.loads(kith(home, "list", "--json").stdout)}
    assert listed == {"churn@1": "champion", "churn@2": "challenger"}


def test_forecast_reports_mase_mape_and_the_seasonal_naive_baseline(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    months = pd.date_range("2021-01-01", periods=40, freq="MS")
    # Several orders a month, as a user's export would have them: summed per month.
    rows = [
        {"date": (m + pd.Timedelta(days=int(d))).strftime("%Y/%m/%d"), "amount": amount}
        for i, m in enumerate(months)
        for d, amount in zip(
            rng.integers(0, 27, 3),
            (100 + 3 * i + 25 * np.sin(2 * np.pi * i / 12) + rng.normal(0, 2, 3)) / 3,
            strict=True,
        )
    ]
    data = tmp_path / "orders.csv"
    pd.DataFrame(rows).to_csv(data, index=False)
    home = tmp_path / "home"
    trained = kith(
        home,
        "train",
        "forecast",
        "--data",
        str(data),
        "--date",
        "date",
        "--value",
        "amount",
        "--json",
    )
    assert trained.returncode == 0, trained.stderr
    result = json.loads(trained.stdout)
    assert result["features"]["freq"] == "M"
    assert result["baseline"]["name"] == "seasonal_naive"
    assert {"mase", "mape"} <= set(result["baseline"])
    assert result["mase"] <= result["baseline"]["mase"]  # chosen by backtest: never worse
    assert result["mape"] < 0.2
    assert all(f["lower"] <= f["forecast"] <= f["upper"] for f in result["forecast"])

    out = tmp_path / "future.csv"
    extended = kith(home, "predict", result["ref"], "--horizon", "6", "--out", str(out))
    assert extended.returncode == 0, extended.stderr
    future = pd.read_csv(out)
    assert list(future["period"])[:1] == ["2024-05-01"]
    assert len(future) == 6


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("a,b\n1,x\n2,y\n", ["classifier", "--target", "nope"], "target column 'nope' is not"),
        (
            "a,b\n" + "".join(f"{i},same\n" for i in range(40)),
            ["classifier", "--target", "b"],
            "is constant",
        ),
        (
            "a,b\n" + "".join(f"{i},{i % 2}\n" for i in range(8)),
            ["classifier", "--target", "b"],
            "too few rows",
        ),
        (
            "day,v\n2024-01-01,1\nnot a date,2\n2024-03-01,3\n",
            ["forecast", "--date", "day", "--value", "v"],
            "are not dates",
        ),
    ],
    ids=["missing-target", "constant-target", "too-few-rows", "bad-dates"],
)
def test_unusable_input_exits_2_with_a_message(
    tmp_path: Path, content: str, args: list[str], message: str
) -> None:
    data = tmp_path / "input.csv"
    data.write_text(content, encoding="utf-8")
    kind, *rest = args
    result = kith(tmp_path / "home", "train", kind, "--data", str(data), *rest, "--json")
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_a_missing_file_and_an_unknown_version_exit_2(tmp_path: Path) -> None:
    missing = kith(
        tmp_path, "train", "classifier", "--data", str(tmp_path / "no.csv"), "--target", "y"
    )
    assert missing.returncode == 2
    assert "no such file" in missing.stderr
    unknown = kith(
        tmp_path,
        "predict",
        "nothing@9",
        "--data",
        str(tmp_path / "no.csv"),
        "--out",
        str(tmp_path / "o.csv"),
    )
    assert unknown.returncode == 2
    assert "no model version 'nothing@9'" in unknown.stderr
