"""Guards against bad models: leakage checks, thin missing-value indicators, the
fit-to-score rule and seasonal forecast candidates (issue 22)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from kith.intelligence.forecast.series import train_forecast
from kith.intelligence.training.classifier import LeakageFound, train_classifier
from kith.intelligence.training.guards import unfit_reason


def won_lost(rows: int = 600, seed: int = 1, leak: bool = True) -> pd.DataFrame:
    """Won/lost deals with a weak real signal; ``close_value`` is 0 for every lost deal."""
    rng = np.random.default_rng(seed)
    industry = rng.choice(["retail", "auto", "finance", "energy"], rows)
    amount = rng.lognormal(10, 1, rows).round(2)
    meetings = rng.poisson(2, rows)
    logit = -0.9 + 0.5 * (industry == "auto") + 0.35 * meetings
    won = rng.random(rows) < 1 / (1 + np.exp(-logit))
    frame = pd.DataFrame(
        {
            "industry": industry,
            "amount": amount,
            "meetings": meetings,
            "outcome": np.where(won, "won", "lost"),
        }
    )
    if leak:
        frame["close_value"] = np.where(won, (amount * rng.uniform(0.8, 1.1, rows)).round(2), 0.0)
    return frame


def test_a_column_zero_for_every_lost_deal_is_flagged_and_training_refused() -> None:
    with pytest.raises(LeakageFound) as refused:
        train_classifier(won_lost(), "outcome")
    (finding,) = [f for f in refused.value.findings if f.blocking]
    assert finding.column == "close_value"
    assert finding.check == "single_feature"
    assert finding.value >= 0.98
    text = finding.as_dict()["message"]
    assert "close_value" in text["en"] and "close_value" in text["zh"]
    assert "--allow-leaky" in refused.value.detail
    assert "close_value" in refused.value.message_zh
    assert [e.path for e in refused.value.errors] == [["data", "close_value"]]


def test_a_clean_table_trains_with_no_finding() -> None:
    trained = train_classifier(won_lost(leak=False), "outcome")
    assert trained.metrics["leakage"] == []
    assert trained.metrics["auc"] < 0.9


def test_allow_leaky_trains_and_reports_the_column_drop_removes_it() -> None:
    allowed = train_classifier(won_lost(), "outcome", allow_leaky=["close_value"])
    (finding,) = allowed.metrics["leakage"]
    assert finding["column"] == "close_value"
    assert finding["allowed"] is True and finding["blocking"] is False
    assert allowed.metrics["auc"] > 0.98  # what the user confirmed
    assert allowed.params["allowed_leaky"] == ["close_value"]
    dropped = train_classifier(won_lost(), "outcome", drop=["close_value"])
    assert dropped.metrics["leakage"] == []
    assert "close_value" not in dropped.model.plan.features
    assert dropped.params["dropped_columns"] == ["close_value"]


def test_missingness_equal_to_the_label_is_flagged() -> None:
    frame = won_lost(leak=False)
    won = frame["outcome"] == "won"
    frame["signed_on"] = np.where(won, "2026-03-01", None)
    frame["discount"] = np.where(won, np.random.default_rng(2).uniform(0, 0.3, len(frame)), np.nan)
    with pytest.raises(LeakageFound) as refused:
        train_classifier(frame, "outcome")
    checks = {f.column: f.check for f in refused.value.findings}
    assert checks["discount"] == "missing_matches_label"


def test_dates_after_the_label_date_are_flagged() -> None:
    frame = won_lost(leak=False)
    rng = np.random.default_rng(3)
    closed = pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 300, len(frame)), "D")
    frame["closed_on"] = closed.strftime("%Y-%m-%d")
    # a "last touch" logged up to 60 days after the close, and a creation date before it
    after = closed + pd.to_timedelta(rng.integers(-5, 60, len(frame)), "D")
    frame["last_touch"] = after.strftime("%Y-%m-%d")
    frame["created_on"] = (closed - pd.to_timedelta(30, "D")).strftime("%Y-%m-%d")
    with pytest.raises(LeakageFound) as refused:
        train_classifier(frame, "outcome", label_date="closed_on")
    found = {f.column: f for f in refused.value.findings}
    assert found["last_touch"].check == "after_label_date"
    assert found["last_touch"].value > 0.5
    assert "created_on" not in found and "closed_on" not in found


def test_identifier_numbered_by_outcome_is_flagged() -> None:
    frame = won_lost(leak=False)
    prefix = np.where(frame["outcome"] == "won", "W", "L")
    frame["deal_no"] = [f"{p}-{i:05d}" for i, p in enumerate(prefix)]
    frame["deal_number"] = np.argsort(np.argsort(frame["outcome"].to_numpy(), kind="stable"))
    with pytest.raises(LeakageFound) as refused:
        train_classifier(frame, "outcome")
    found = {f.column: f for f in refused.value.findings}
    assert found["deal_number"].check == "identifier_encodes_label"
    assert found["deal_number"].blocking
    # a text id is not a feature (mostly unique): reported, but it does not block
    assert found["deal_no"].check == "identifier_encodes_label"
    assert not found["deal_no"].blocking


def test_near_duplicate_rows_across_folds_are_reported_without_blocking() -> None:
    base = won_lost(rows=300, leak=False)
    copies = base.copy()
    copies["amount"] = copies["amount"] * 1.0001  # equal after rounding to 3 digits
    trained = train_classifier(pd.concat([base, copies], ignore_index=True), "outcome")
    (finding,) = [f for f in trained.metrics["leakage"] if f["check"] == "near_duplicates"]
    assert finding["column"] is None and finding["blocking"] is False
    assert finding["value"] > 0.5
    clean = train_classifier(base, "outcome")
    assert not [f for f in clean.metrics["leakage"] if f["check"] == "near_duplicates"]


def telco_like(rows: int = 3000, blanks: int = 11, seed: int = 7) -> pd.DataFrame:
    """Like IBM Telco: ``blanks`` customers at tenure 0 with a blank TotalCharges, none churned."""
    rng = np.random.default_rng(seed)
    tenure = rng.integers(1, 73, rows)
    tenure[:blanks] = 0
    contract = rng.choice(["Month-to-month", "One year", "Two year"], rows, p=[0.55, 0.21, 0.24])
    contract[:blanks] = "Two year"
    monthly = rng.uniform(18, 118, rows).round(2)
    total = (tenure * monthly * rng.uniform(0.95, 1.05, rows)).round(2).astype(object)
    total[:blanks] = None
    logit = (
        0.9
        - 0.045 * tenure
        + 0.015 * (monthly - 65)
        + np.select([contract == "One year", contract == "Two year"], [-1.2, -2.4], 0.0)
    )
    churn = rng.random(rows) < 1 / (1 + np.exp(-logit))
    churn[:blanks] = False
    return pd.DataFrame(
        {
            "tenure": tenure,
            "Contract": contract,
            "MonthlyCharges": monthly,
            "TotalCharges": total,
            "Churn": np.where(churn, "Yes", "No"),
        }
    )


def test_eleven_blank_values_no_longer_dominate_and_are_flagged_as_thin() -> None:
    data = telco_like()
    blanks = data.head(11)
    # Before: an indicator learnt from the 11 rows is the strongest factor by far.
    legacy = train_classifier(data, "Churn", min_support=0)
    assert legacy.model.algorithm == "logistic_regression"
    _, before = legacy.model.top_factors(blanks, 4, min_support=30)
    assert before[0][0]["name"] == "TotalCharges" and before[0][0]["contribution"] < -3
    # Now: no indicator below 30 missing rows; the factor is small and says how thin it is.
    trained = train_classifier(data, "Churn", min_support=30)
    assert trained.model.algorithm == "logistic_regression"
    _, after = trained.model.top_factors(blanks, 4, min_support=30)
    for factors in after:
        assert factors[0]["name"] != "TotalCharges"
        (total,) = [f for f in factors if f["name"] == "TotalCharges"]
        assert abs(total["contribution"]) < 1.0
        assert total["support"] == 11
        assert total["note"] == {"zh": "仅基于 11 个样本", "en": "based on only 11 examples"}
        assert all("note" not in f for f in factors if f["name"] != "TotalCharges")
    assert trained.metrics["auc"] >= legacy.metrics["auc"] - 0.01
    # the predict CSV's factor_notes column says the same, only on the thin rows
    _, top = trained.model.explain_top(data.head(20), 4)
    notes = trained.model.thin_notes(top, min_support=30)
    assert all(n == "" for n in notes[11:])
    for note in notes[:11]:
        assert json.loads(note) == [
            {
                "name": "TotalCharges",
                "value": None,
                "support": 11,
                "note": {"zh": "仅基于 11 个样本", "en": "based on only 11 examples"},
            }
        ]


def test_a_chance_level_model_is_unfit_to_score_and_a_good_one_is_fit() -> None:
    baseline = {"auc": 0.5, "brier": 0.25}
    chance = unfit_reason("classifier", {"auc": 0.51, "brier": 0.251}, baseline, 500)
    assert chance is not None and "Not enough data to score" in chance["en"]
    assert "数据不足" in chance["zh"]
    assert unfit_reason("classifier", {"auc": 0.515, "brier": 0.2}, baseline, 500) is not None
    few = unfit_reason("classifier", {"auc": 0.9, "brier": 0.1}, baseline, 12, min_rows=50)
    assert few is not None and "12" in few["en"]
    assert unfit_reason("classifier", {"auc": 0.9, "brier": 0.1}, baseline, 500) is None
    assert unfit_reason("forecast", {"mase": 2.0}, {}, 3) is None


def seasonal_series(periods: int, seed: int = 3) -> pd.Series:
    rng = np.random.default_rng(seed)
    t = np.arange(periods)
    values = (100 + 0.3 * t + 40 * np.sin(2 * np.pi * t / 12) + 15 * (t % 12 == 11)) + rng.normal(
        0, 2, periods
    )
    return pd.Series(values, index=pd.date_range("2020-01-01", periods=periods, freq="MS"))


def test_a_seasonal_candidate_wins_on_a_strongly_seasonal_monthly_series() -> None:
    result = train_forecast(seasonal_series(60), "M")
    seasonal = {"holt_winters", "sarima(0,1,1)(0,1,1)", "ets"}
    assert result.algorithm in seasonal
    assert result.metrics["mase"] < 0.6
    non_seasonal = [v["mase"] for k, v in result.candidates.items() if k.startswith("arima")]
    assert min([*non_seasonal, result.candidates["naive"]["mase"]]) >= 1.0
    assert {"holt_winters", "sarima(0,1,1)(0,1,1)"} <= set(result.candidates)
    assert result.baseline["name"] == "seasonal_naive" and "note" not in result.baseline
    assert result.metrics["better_than_baseline"] is True


def test_a_series_shorter_than_two_seasons_has_a_naive_baseline_and_says_so() -> None:
    result = train_forecast(seasonal_series(20), "M")
    assert result.baseline["name"] == "naive"
    assert (
        "naive" in result.baseline["note"]["en"] and "two seasons" in result.baseline["note"]["en"]
    )
    assert "朴素" in result.baseline["note"]["zh"]
    assert "holt_winters" not in result.candidates
