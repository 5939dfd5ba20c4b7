"""Forecasting a time series with classical models chosen by backtest.

The series is summed per period (month, week, day, quarter; inferred from the
dates when not given). Candidates:

- ``naive`` (the last value) and ``seasonal_naive`` (the value one season ago);
- ``ets`` (statsmodels ``ETSModel``, additive damped trend and, with two full
  seasons, additive seasonality);
- ``holt_winters`` (statsmodels ``ExponentialSmoothing``: additive damped trend
  and additive seasonality with the period of the frequency), with two full
  seasons of training data;
- ``sarima(0,1,1)(0,1,1)`` (the "airline" seasonal ARIMA), with two full
  seasons and two more periods;
- ARIMA on a small order grid, without seasonal terms.

Each is fitted on all but the last ``horizon`` periods and scored on them (a
time-ordered holdout); the one with the lowest MAE is refitted on the whole
series. The baseline is seasonal-naive when the series covers two seasons,
otherwise naive (the report says so in ``baseline.note``: one season of history
cannot tell a seasonal pattern from noise). MASE is scaled by the baseline's
in-sample error (the seasonal or the one-period difference), so MASE < 1 means
better than the baseline on the training data's own scale; the baseline's own
holdout MASE/MAPE are always reported beside the winner's.

On a strongly seasonal monthly series (60 months, see
tests/unit/test_intelligence_model_guards.py) the seasonal candidates reach MASE
≈ 0.3–0.4 where the non-seasonal ARIMA and naive candidates score ≥ 1.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kith.core.errors import FieldError, ValidationFailed
from kith.core.lazy import lazy_module

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    np = lazy_module("numpy")
    pd = lazy_module("pandas")

SEASON = {"M": 12, "W": 52, "D": 7, "Q": 4}
PANDAS_FREQ = {"M": "MS", "W": "W-MON", "D": "D", "Q": "QS"}
MIN_PERIODS = 8
COVERAGE = 0.9
ARIMA_ORDERS = ((1, 1, 0), (0, 1, 1), (1, 1, 1))
SARIMA = "sarima(0,1,1)(0,1,1)"
BASELINE_NOTE = {
    "zh": "序列短于两个季节周期（{n} 期，每季 {season} 期）：基线是朴素预测（上一期的值），"
    "不是季节性朴素预测。",
    "en": "The series is shorter than two seasons ({n} periods, {season} per season): the "
    "baseline is naive (the last value), not seasonal-naive.",
}


def _bad(path: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, [FieldError([path], message)])


@dataclass
class ForecastResult:
    freq: str
    season: int
    algorithm: str
    history: pd.Series
    future: pd.DataFrame  # forecast, lower, upper indexed by period start
    metrics: dict[str, Any]
    baseline: dict[str, Any]
    candidates: dict[str, dict[str, float]]
    seconds: float


def parse_dates(values: pd.Series, column: str) -> pd.Series:
    present = values.dropna()
    text = present.astype(str).str.strip()
    parsed = pd.to_datetime(text, errors="coerce", utc=True, format="mixed")
    bad = text[parsed.isna()]
    if len(bad):
        examples = ", ".join(repr(v) for v in bad.head(3))
        raise _bad(
            "--date",
            f"{len(bad)} value(s) of date column {column!r} are not dates (e.g. {examples})",
        )
    return parsed.dt.tz_localize(None)


def infer_freq(dates: pd.Series) -> str:
    """The finest period (day, week, month, quarter) that almost every period has data in.

    Monthly figures dated on the 1st are months, and so are a few orders a month
    on scattered days (weeks would be mostly empty).
    """
    index = pd.DatetimeIndex(dates.dropna())
    for freq in ("D", "W", "M"):
        periods = index.to_period(freq)
        span = (periods.max() - periods.min()).n + 1
        if span >= 2 and periods.nunique() / span >= COVERAGE:
            return freq
    return "Q"


def make_series(
    frame: pd.DataFrame, date: str, value: str, freq: str | None
) -> tuple[pd.Series, str]:
    for column, flag in ((date, "--date"), (value, "--value")):
        if column not in frame.columns:
            raise _bad(flag, f"column {column!r} is not in the data")
    rows = frame[[date, value]].dropna(subset=[date])
    dates = parse_dates(rows[date], date)
    numbers = pd.to_numeric(rows[value].astype(str).str.replace(",", ""), errors="coerce")
    if numbers.notna().sum() == 0:
        raise _bad("--value", f"value column {value!r} has no numbers")
    freq = freq or infer_freq(dates)
    series = (
        pd.Series(numbers.to_numpy(), index=pd.DatetimeIndex(dates.to_numpy()))
        .resample(PANDAS_FREQ[freq])
        .sum(min_count=0)
        .astype(float)
    )
    series.index.freq = None
    return series, freq


def seasonal_naive(train: np.ndarray, horizon: int, season: int) -> np.ndarray:
    if len(train) < season:
        return np.repeat(train[-1], horizon)
    last = train[-season:]
    return np.array([last[i % season] for i in range(horizon)], dtype=np.float64)


def _scale(train: np.ndarray, season: int) -> float:
    lag = season if len(train) > season else 1
    diffs = np.abs(train[lag:] - train[:-lag])
    scale = float(diffs.mean()) if len(diffs) else 0.0
    return scale if scale > 0 else float(np.abs(train).mean() or 1.0)


def _errors(actual: np.ndarray, predicted: np.ndarray, scale: float) -> dict[str, float]:
    mae = float(np.abs(actual - predicted).mean())
    nonzero = actual != 0
    mape = (
        float(np.abs((actual[nonzero] - predicted[nonzero]) / actual[nonzero]).mean())
        if nonzero.any()
        else float("nan")
    )
    return {"mae": round(mae, 4), "mase": round(mae / scale, 4), "mape": round(mape, 4)}


def _fit_predict(
    name: str, train: np.ndarray, horizon: int, season: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Point forecast and a 95 % interval from the model itself."""
    from statsmodels.tsa.arima.model import ARIMA
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if name == "holt_winters":
            from statsmodels.tsa.holtwinters import ExponentialSmoothing

            smoothing = ExponentialSmoothing(
                train,
                trend="add",
                damped_trend=True,
                seasonal="add",
                seasonal_periods=season,
            ).fit()
            point = np.asarray(smoothing.forecast(horizon), dtype=np.float64)
            spread = float(np.std(smoothing.resid))
            width = 1.96 * spread * np.sqrt(np.arange(1, horizon + 1))
            return point, point - width, point + width
        if name == SARIMA:
            from statsmodels.tsa.statespace.sarimax import SARIMAX

            fitted_s = SARIMAX(train, order=(0, 1, 1), seasonal_order=(0, 1, 1, season)).fit(
                disp=False
            )
            forecast_s = fitted_s.get_forecast(horizon)
            bounds = np.asarray(forecast_s.conf_int(alpha=0.05))
            return np.asarray(forecast_s.predicted_mean), bounds[:, 0], bounds[:, 1]
        if name == "ets":
            seasonal = "add" if len(train) >= 2 * season else None
            model = ETSModel(
                pd.Series(train),
                error="add",
                trend="add",
                damped_trend=True,
                seasonal=seasonal,
                seasonal_periods=season if seasonal else None,
            )
            fitted = model.fit(disp=False)
            frame = fitted.get_prediction(len(train), len(train) + horizon - 1).summary_frame(
                alpha=0.05
            )
            return (
                frame["mean"].to_numpy(),
                frame["pi_lower"].to_numpy(),
                frame["pi_upper"].to_numpy(),
            )
        if name.startswith("arima"):
            order = tuple(int(c) for c in name[6:-1].split(","))
            fitted = ARIMA(train, order=order, trend="t" if order[1] == 1 else "c").fit()
            prediction = fitted.get_forecast(horizon)
            interval = np.asarray(prediction.conf_int(alpha=0.05))
            return np.asarray(prediction.predicted_mean), interval[:, 0], interval[:, 1]
    if name == "naive":
        season = 1
    point = seasonal_naive(train, horizon, season)
    lag = season if len(train) > season else 1
    spread = float(np.std(train[lag:] - train[:-lag])) if len(train) > lag else 0.0
    steps = np.arange(1, horizon + 1)
    width = 1.96 * spread * np.sqrt(np.ceil(steps / lag))
    return point, point - width, point + width


def candidate_names(train_length: int, season: int) -> list[str]:
    """The candidates a training window of this length can fit."""
    names = ["naive"]
    if train_length >= season:
        names.append("seasonal_naive")
    names.append("ets")
    if train_length >= 2 * season:
        names.append("holt_winters")
    if train_length >= 2 * season + 2:
        names.append(SARIMA)
    names.extend(f"arima({p},{d},{q})" for p, d, q in ARIMA_ORDERS)
    return names


def train_forecast(series: pd.Series, freq: str, horizon: int | None = None) -> ForecastResult:
    started = time.perf_counter()
    values = series.to_numpy(dtype=np.float64)
    if len(values) < MIN_PERIODS:
        raise _bad(
            "--data", f"too few periods: {len(values)} (need at least {MIN_PERIODS} to backtest)"
        )
    if np.nanstd(values) == 0:
        raise _bad("--value", "the series is constant; there is nothing to forecast")
    season = SEASON[freq]
    holdout = max(2, min(season, len(values) // 4))
    train, test = values[:-holdout], values[-holdout:]
    seasonal_baseline = len(values) >= 2 * season
    baseline_name = "seasonal_naive" if seasonal_baseline else "naive"
    scale = _scale(train, season if seasonal_baseline else 1)
    candidates: dict[str, dict[str, float]] = {}
    for name in candidate_names(len(train), season):
        try:
            point, _, _ = _fit_predict(name, train, holdout, season)
        except (ValueError, np.linalg.LinAlgError):
            continue
        if np.all(np.isfinite(point)):
            candidates[name] = _errors(test, point, scale)
    best = min(candidates, key=lambda n: candidates[n]["mae"])
    horizon = horizon or holdout
    point, lower, upper = _fit_predict(best, values, horizon, season)
    index = pd.date_range(series.index[-1], periods=horizon + 1, freq=PANDAS_FREQ[freq])[1:]
    future = pd.DataFrame({"forecast": point, "lower": lower, "upper": upper}, index=index)
    metrics = {
        **candidates[best],
        "evaluation": f"time-ordered holdout of the last {holdout} periods",
        "holdout_periods": holdout,
    }
    baseline: dict[str, Any] = {"name": baseline_name, **candidates[baseline_name]}
    if not seasonal_baseline:
        baseline["note"] = {
            k: v.format(n=len(values), season=season) for k, v in BASELINE_NOTE.items()
        }
    metrics["better_than_baseline"] = candidates[best]["mae"] < baseline["mae"]
    return ForecastResult(
        freq=freq,
        season=season,
        algorithm=best,
        history=series,
        future=future,
        metrics=metrics,
        baseline=baseline,
        candidates=candidates,
        seconds=round(time.perf_counter() - started, 3),
    )
