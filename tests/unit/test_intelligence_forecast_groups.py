"""Choosing a forecast method per series by backtest, the pipeline estimate included."""

from __future__ import annotations

import numpy as np

from kith.intelligence.forecast.groups import (
    BASELINE,
    INSUFFICIENT,
    PIPELINE,
    choose_by_backtest,
)
from kith.intelligence.forecast.series import SARIMA


def seasonal(months: int) -> np.ndarray:
    rng = np.random.default_rng(3)
    t = np.arange(months)
    return 1000 + 300 * np.sin(2 * np.pi * t / 12) + 10 * t + rng.normal(0, 40, months)


def test_too_short_series_say_so_and_fit_nothing() -> None:
    choice = choose_by_backtest(np.array([1.0, 2.0, 3.0]), "M", 3, lambda h: np.zeros(h))
    assert choice.method == INSUFFICIENT
    assert "3 period(s)" in str(choice.reason)
    assert choice.candidates == {} and choice.future is None


def test_the_lowest_backtest_error_wins_and_the_baseline_is_always_scored() -> None:
    choice = choose_by_backtest(seasonal(36), "M", 4)
    assert BASELINE in choice.candidates
    best = min(e["mae"] for e in choice.candidates.values())
    assert choice.candidates[choice.method]["mae"] == best
    assert choice.future is not None and len(choice.future) == 4
    assert (choice.future["lower"] <= choice.future["forecast"]).all()


def test_a_pipeline_estimate_that_backtests_best_is_chosen() -> None:
    values = seasonal(30)
    # An oracle pipeline: exactly the holdout actuals.
    choice = choose_by_backtest(values, "M", 3, lambda holdout: values[-holdout:])
    assert choice.method == PIPELINE
    assert choice.candidates[PIPELINE]["mae"] == 0.0
    assert choice.future is None  # the caller uses today's open pipeline
    assert BASELINE in choice.candidates


def test_a_pipeline_estimate_without_backtest_is_reported_but_never_chosen() -> None:
    values = seasonal(30)
    choice = choose_by_backtest(values, "M", 3, lambda holdout: "stage history starts later")
    assert choice.method != PIPELINE
    assert PIPELINE not in choice.candidates
    assert choice.notes[PIPELINE] == "reported but not backtested: stage history starts later"


def test_a_bad_pipeline_estimate_loses_to_the_statistical_models() -> None:
    values = seasonal(30)
    choice = choose_by_backtest(values, "M", 3, lambda holdout: np.zeros(holdout))
    assert choice.method != PIPELINE
    assert choice.candidates[PIPELINE]["mae"] > choice.candidates[choice.method]["mae"]


def test_a_series_of_several_seasons_gets_the_seasonal_candidates() -> None:
    choice = choose_by_backtest(seasonal(48), "M", 3)
    assert {"holt_winters", SARIMA, BASELINE, "naive"} <= set(choice.candidates)
    assert choice.baseline_name == BASELINE and choice.baseline_note is None
    # on a strongly seasonal series a seasonal model wins, well under seasonal-naive's error
    assert choice.method in ("holt_winters", SARIMA, "ets")
    assert choice.candidates[choice.method]["mase"] < choice.candidates[BASELINE]["mase"]


def test_under_two_seasons_the_baseline_is_naive_and_says_so() -> None:
    choice = choose_by_backtest(seasonal(20), "M", 3)
    assert choice.baseline_name == "naive" and choice.baseline == choice.candidates["naive"]
    assert choice.baseline_note is not None and "20 periods" in choice.baseline_note["en"]
    assert "holt_winters" not in choice.candidates and SARIMA not in choice.candidates
