"""Read-side aggregates for the API: revenue forecast, churn distribution, stalled deals."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from kith.access import policy
from kith.access.principal import Principal
from kith.core.errors import KithError
from kith.core.lazy import lazy_module
from kith.crm import models as m
from kith.intelligence import schemas as s
from kith.intelligence.forecast.series import (
    MIN_PERIODS,
    PANDAS_FREQ,
    ForecastResult,
    train_forecast,
)
from kith.intelligence.models import Score
from kith.intelligence.repository import IntelligenceRepository
from kith.intelligence.scoring.builtin import stalled_deals

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    np = lazy_module("numpy")
    pd = lazy_module("pandas")

_CACHE: OrderedDict[str, ForecastResult] = OrderedDict()
_CACHE_SIZE = 64


def revenue_series(session: Session, principal: Principal, freq: str) -> pd.Series:
    rows = session.execute(
        select(m.Deal.closed_at, m.Deal.amount).where(
            policy.row_filter(principal, m.Deal, "deal", "read"),
            m.Deal.deleted_at.is_(None),
            m.Deal.status == "won",
            m.Deal.closed_at.is_not(None),
        )
    ).all()
    if not rows:
        # a DatetimeIndex even when empty: callers compare the index with timestamps
        return pd.Series(dtype=float, index=pd.DatetimeIndex([]))
    dates = pd.to_datetime([r[0] for r in rows], utc=True).tz_localize(None)
    amounts = [float(r[1] or 0) for r in rows]
    series = pd.Series(amounts, index=dates).resample(PANDAS_FREQ[freq]).sum().astype(float)
    series.index.freq = None
    return series


def _cached_forecast(series: pd.Series, freq: str, horizon: int | None, key: str) -> ForecastResult:
    digest = hashlib.sha256(
        f"{key}|{freq}|{horizon}|".encode()
        + series.to_numpy().tobytes()
        + str(series.index[0]).encode()
    ).hexdigest()
    if digest in _CACHE:
        _CACHE.move_to_end(digest)
        return _CACHE[digest]
    result = train_forecast(series, freq, horizon)
    _CACHE[digest] = result
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return result


def revenue_forecast(
    session: Session, principal: Principal, period: str, horizon: int | None, now: datetime
) -> s.ForecastOut:
    freq = "M" if period == "month" else "W"
    series = revenue_series(session, principal, freq)
    # The current period is not over: it is forecast, not reported as a (low) actual.
    current = pd.Timestamp(now).tz_localize(None).to_period(freq).start_time
    series = series[series.index < current]
    points = [
        s.ForecastPoint(
            period=p.strftime("%Y-%m-%d"), actual=round(float(v), 2), forecast=None,
            lower=None, upper=None,
        )
        for p, v in series.items()
    ]  # fmt: skip
    measure = "won deal amount (closed_at)"
    if len(series) < MIN_PERIODS:
        return s.ForecastOut(
            period=period, measure=measure, series=points, model=None, baseline=None,
            note=f"{len(series)} periods of history; at least {MIN_PERIODS} are needed",
        )  # fmt: skip
    try:
        result = _cached_forecast(series, freq, horizon, principal.tenant_id)
    except KithError as exc:
        return s.ForecastOut(
            period=period, measure=measure, series=points, model=None, baseline=None,
            note=exc.detail,
        )  # fmt: skip
    for p, row in result.future.iterrows():
        points.append(
            s.ForecastPoint(
                period=p.strftime("%Y-%m-%d"),
                actual=None,
                forecast=round(float(row["forecast"]), 2),
                lower=round(max(0.0, float(row["lower"])), 2),
                upper=round(float(row["upper"]), 2),
            )
        )
    metrics, baseline = result.metrics, result.baseline
    return s.ForecastOut(
        period=period,
        measure=measure,
        series=points,
        model=s.ForecastModel(
            algorithm=result.algorithm,
            mase=metrics["mase"],
            mape=_finite(metrics["mape"]),
            evaluation=metrics["evaluation"],
            better_than_baseline=metrics["better_than_baseline"],
        ),
        baseline=s.ForecastBaseline(
            name=baseline["name"],
            mase=baseline["mase"],
            mape=_finite(baseline["mape"]),
            note=baseline.get("note"),
        ),
    )


def _finite(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def churn_distribution(session: Session, principal: Principal, bins: int) -> s.DistributionOut:
    scores = session.scalars(
        select(Score.score)
        .join(
            m.Contact,
            and_(m.Contact.id == Score.record_id, m.Contact.tenant_id == Score.tenant_id),
        )
        .where(
            Score.tenant_id == principal.tenant_id,
            Score.kind == "churn",
            Score.object_type == "contact",
            IntelligenceRepository(session, principal.tenant_id).usable_scores(),
            policy.row_filter(principal, m.Contact, "contact", "read"),
            m.Contact.deleted_at.is_(None),
        )
    ).all()
    counts, edges = np.histogram(np.asarray(scores, dtype=float), bins=bins, range=(0.0, 1.0))
    return s.DistributionOut(
        kind="churn",
        total=len(scores),
        bins=[
            s.BinOut(from_=round(float(edges[i]), 4), to=round(float(edges[i + 1]), 4),
                     count=int(c))
            for i, c in enumerate(counts)
        ],
    )  # fmt: skip


def stalled(session: Session, principal: Principal, now: datetime) -> list[s.StalledDealOut]:
    rows: list[dict[str, Any]] = stalled_deals(
        session, principal.tenant_id, now, policy.row_filter(principal, m.Deal, "deal", "read")
    )
    return [s.StalledDealOut(**r) for r in rows]


def score_count(session: Session, tenant_id: str, kind: str) -> int:
    return int(
        session.scalar(select(func.count()).where(Score.tenant_id == tenant_id, Score.kind == kind))
        or 0
    )
