"""Revenue forecast per team, owner, product or pipeline, each series chosen by its own backtest.

A group's series is the won-deal amount per period (by ``closed_at``) from the
group's first win to the last complete period; the current period is being
forecast, not reported as a (low) actual. Candidates, all scored on the same
time-ordered holdout (the last ``max(2, min(season, n // 4))`` periods):
seasonal-naive, ETS, ARIMA (see ``forecast.py``) and the pipeline-weighted
estimate (``forecast/pipeline.py``), backtested on the open pipeline rebuilt
as of the holdout's cut-off. The lowest MAE wins; a pipeline estimate that
could not be backtested is reported but never chosen. Fewer than
``MIN_PERIODS`` periods: method ``insufficient_history`` with the reason, and
no statistical model at all.

Groups: the deal owner's team (membership, else the team they manage; a user
in several teams counts in the first by name), the owner, the pipeline, or the
product in the deal's custom field ``product_id`` (a product id or SKU; deals
carry no product column). Deals without one fall in the group ``none``.
Amounts are summed as stored, whatever their currency, like the total.
"""

from __future__ import annotations

import hashlib
import warnings
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from kith.access import policy
from kith.access.models import Team, TeamMember, User
from kith.access.principal import Principal
from kith.core.clock import as_utc
from kith.core.lazy import lazy_module
from kith.crm import models as m
from kith.intelligence import schemas as s
from kith.intelligence.forecast.pipeline import (
    DealFacts,
    PipelineEstimate,
    StageFacts,
    backtest_estimate,
    history_gap,
    live_estimate,
)
from kith.intelligence.forecast.series import (
    BASELINE_NOTE,
    MIN_PERIODS,
    SEASON,
    _errors,
    _fit_predict,
    _scale,
    candidate_names,
)
from kith.intelligence.repository import IntelligenceRepository

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    np = lazy_module("numpy")
    pd = lazy_module("pandas")

Dimension = Literal["total", "team", "owner", "product", "pipeline"]
DIMENSIONS: tuple[str, ...] = ("total", "team", "owner", "product", "pipeline")
PIPELINE = "pipeline_weighted"
INSUFFICIENT = "insufficient_history"
BASELINE = "seasonal_naive"  # "naive" for a series shorter than two seasons
DEFAULT_HORIZON = {"M": 6, "W": 8}
NONE_KEY = "none"
NONE_NAMES = {
    "team": "(no team)",
    "owner": "(no owner)",
    "product": "(no product)",
    "pipeline": "(no pipeline)",
}
MEASURE = "won deal amount (closed_at)"

_CACHE: OrderedDict[str, SeriesChoice] = OrderedDict()
_CACHE_SIZE = 256

# What a pipeline backtest returns: the estimate per holdout period, or why there is none.
PipelineBacktest = Callable[[int], "np.ndarray | str"]


# --- choosing a method per series (pure) ----------------------------------------------


@dataclass
class SeriesChoice:
    method: str  # a candidate name, or "insufficient_history"
    reason: str | None
    holdout: int
    candidates: dict[str, dict[str, float]]
    notes: dict[str, str]  # candidate -> why it has no backtest error
    future: pd.DataFrame | None = None  # forecast/lower/upper; None when the pipeline won
    baseline_name: str = BASELINE
    baseline_note: dict[str, str] | None = None  # zh/en: why the baseline is naive

    @property
    def baseline(self) -> dict[str, float] | None:
        return self.candidates.get(self.baseline_name)


def choose_by_backtest(
    values: np.ndarray, freq: str, horizon: int, pipeline: PipelineBacktest | None = None
) -> SeriesChoice:
    """Score every candidate on the same holdout; the lowest MAE wins.

    ``pipeline(holdout)`` gives the pipeline estimate for the last ``holdout``
    periods as of their cut-off, or a string saying why it cannot.
    """
    if len(values) < MIN_PERIODS:
        reason = (
            f"{len(values)} period(s) of history; at least {MIN_PERIODS} are needed to backtest"
        )
        return SeriesChoice(INSUFFICIENT, reason, 0, {}, {})
    season = SEASON[freq]
    holdout = max(2, min(season, len(values) // 4))
    train, test = values[:-holdout], values[-holdout:]
    # as ``series.train_forecast``: seasonal candidates (Holt-Winters, seasonal ARIMA) when
    # the training window holds two seasons; seasonal-naive is the baseline only when the
    # series does, else the baseline is naive and the group says so
    seasonal_baseline = len(values) >= 2 * season
    baseline_name = BASELINE if seasonal_baseline else "naive"
    note = (
        None
        if seasonal_baseline
        else {k: v.format(n=len(values), season=season) for k, v in BASELINE_NOTE.items()}
    )
    scale = _scale(train, season if seasonal_baseline else 1)
    candidates: dict[str, dict[str, float]] = {}
    notes: dict[str, str] = {}
    for name in candidate_names(len(train), season):
        point = _try_fit(name, train, holdout, season)
        if isinstance(point, str):
            notes[name] = point
        else:
            candidates[name] = _errors(test, point, scale)
    if pipeline is not None:
        estimate = pipeline(holdout)
        if isinstance(estimate, str):
            notes[PIPELINE] = f"reported but not backtested: {estimate}"
        else:
            candidates[PIPELINE] = _errors(test, np.asarray(estimate, dtype=np.float64), scale)
    best = min(candidates, key=lambda n: candidates[n]["mae"])
    future = None if best == PIPELINE else _refit(best, values, horizon, season, baseline_name)
    return SeriesChoice(best, None, holdout, candidates, notes, future, baseline_name, note)


def _try_fit(name: str, train: np.ndarray, horizon: int, season: int) -> np.ndarray | str:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            point, _, _ = _fit_predict(name, train, horizon, season)
    except Exception as exc:  # any fitting failure just drops the candidate
        return f"could not be fitted ({type(exc).__name__})"
    if not np.all(np.isfinite(point)):
        return "produced non-finite forecasts"
    return np.asarray(point, dtype=np.float64)


def _refit(name: str, values: np.ndarray, horizon: int, season: int, fallback: str) -> pd.DataFrame:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            point, lower, upper = _fit_predict(name, values, horizon, season)
    except Exception:  # a refit on more data can fail where the backtest did not
        point, lower, upper = _fit_predict(fallback, values, horizon, season)
    return pd.DataFrame({"forecast": point, "lower": lower, "upper": upper})


def _cached_choice(
    values: np.ndarray, freq: str, horizon: int, pipeline: PipelineBacktest | None, key: str
) -> SeriesChoice:
    digest = hashlib.sha256(f"{freq}|{horizon}|{key}|".encode() + values.tobytes()).hexdigest()
    if digest in _CACHE:
        _CACHE.move_to_end(digest)
        return _CACHE[digest]
    choice = choose_by_backtest(values, freq, horizon, pipeline)
    _CACHE[digest] = choice
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return choice


# --- loading what the caller may read ---------------------------------------------------


@dataclass
class Workbook:
    by: str
    deals: list[DealFacts]
    groups: dict[str, str]  # deal id -> group key
    names: dict[str, str]  # group key -> display name
    stages: dict[str, StageFacts] = field(default_factory=dict)


def _naive(value: datetime | None) -> datetime | None:
    return None if value is None else as_utc(value).replace(tzinfo=None)


def load(session: Session, principal: Principal, by: str) -> Workbook:
    visible = policy.row_filter(principal, m.Deal, "deal", "read")
    rows = session.execute(
        select(
            m.Deal.id, m.Deal.amount, m.Deal.status, m.Deal.stage_id, m.Deal.created_at,
            m.Deal.expected_close, m.Deal.closed_at, m.Deal.owner_id, m.Deal.pipeline_id,
            m.Deal.custom,
        ).where(visible, m.Deal.deleted_at.is_(None))
    ).all()  # fmt: skip
    paths: dict[str, list[tuple[datetime, str]]] = {}
    change = m.DealStageChange
    changes = session.execute(
        select(change.deal_id, change.changed_at, change.to_stage_id)
        .join(m.Deal, m.Deal.id == change.deal_id)
        .where(change.tenant_id == principal.tenant_id, visible, m.Deal.deleted_at.is_(None))
        .order_by(change.changed_at)
    ).all()
    for deal_id, changed_at, stage_id in changes:
        paths.setdefault(deal_id, []).append((_naive(changed_at) or changed_at, stage_id))
    scores = IntelligenceRepository(session, principal.tenant_id).scores_by_record(
        "deal_win", "deal", usable_only=True
    )
    deals: list[DealFacts] = []
    raw: dict[str, str | None] = {}
    for r in rows:
        deals.append(
            DealFacts(
                id=r.id,
                amount=float(r.amount or 0),
                status=r.status,
                stage_id=r.stage_id,
                created_at=_naive(r.created_at) or datetime.min,
                expected_close=r.expected_close,
                closed_at=_naive(r.closed_at),
                path=tuple(paths.get(r.id, ())),
                score=scores[r.id].score if r.id in scores else None,
            )
        )
        raw[r.id] = _raw_key(by, r.owner_id, r.pipeline_id, r.custom)
    names = _names(session, principal.tenant_id, by, raw)
    groups = {deal_id: _resolve(by, value, names) for deal_id, value in raw.items()}
    return Workbook(by, deals, groups, names, _stages(session, principal.tenant_id))


def _raw_key(by: str, owner_id: str | None, pipeline_id: str | None, custom: Any) -> str | None:
    if by == "total":
        return "total"
    if by in ("owner", "team"):
        return owner_id
    if by == "pipeline":
        return pipeline_id
    value = custom.get("product_id") if isinstance(custom, dict) else None
    return str(value) if value not in (None, "") else None


def _resolve(by: str, value: str | None, names: dict[str, str]) -> str:
    if value is None:
        return NONE_KEY
    if by == "team":
        return names.get(f"owner:{value}", NONE_KEY)
    if by == "product":
        return names.get(f"sku:{value}", value)
    return value


def _names(session: Session, tenant_id: str, by: str, raw: dict[str, str | None]) -> dict[str, str]:
    """Display names per group key (plus owner->team and sku->product id lookups)."""
    names: dict[str, str] = {"total": "Total"} if by == "total" else {}
    if by == "owner":
        rows = session.execute(select(User.id, User.name).where(User.tenant_id == tenant_id))
        names.update({r.id: r.name for r in rows})
    elif by == "pipeline":
        rows = session.execute(
            select(m.Pipeline.id, m.Pipeline.name).where(m.Pipeline.tenant_id == tenant_id)
        )
        names.update({r.id: r.name for r in rows})
    elif by == "team":
        teams = session.execute(
            select(Team.id, Team.name, Team.manager_id)
            .where(Team.tenant_id == tenant_id)
            .order_by(Team.name)
        ).all()
        members = session.execute(
            select(TeamMember.team_id, TeamMember.user_id).where(TeamMember.tenant_id == tenant_id)
        ).all()
        names.update({t.id: t.name for t in teams})
        order = {t.id: i for i, t in enumerate(teams)}
        # Membership first, then management; the first team by name when several.
        for team_id, user_id in sorted(members, key=lambda r: order.get(r.team_id, 0)):
            names.setdefault(f"owner:{user_id}", team_id)
        for t in teams:
            if t.manager_id:
                names.setdefault(f"owner:{t.manager_id}", t.id)
    elif by == "product":
        rows = session.execute(
            select(m.Product.id, m.Product.sku, m.Product.name).where(
                m.Product.tenant_id == tenant_id
            )
        )
        for r in rows:
            names[r.id] = r.name
            names[f"sku:{r.sku}"] = r.id
    return names


def _stages(session: Session, tenant_id: str) -> dict[str, StageFacts]:
    rows = session.scalars(
        select(m.PipelineStage).where(m.PipelineStage.tenant_id == tenant_id)
    ).all()
    return {
        r.id: StageFacts(r.id, r.pipeline_id, (r.probability or 0) / 100.0, r.kind) for r in rows
    }


# --- one forecast per group -------------------------------------------------------------


def _won_series(deals: Sequence[DealFacts], freq: str, current: pd.Period) -> pd.Series:
    """Won amount per complete period, from the first win, zero-filled."""
    won = [(pd.Period(d.closed_at, freq=freq), d.amount) for d in deals if _won_before(d, current)]
    if not won:
        return pd.Series(dtype=float)
    frame = pd.DataFrame(won, columns=["period", "amount"]).groupby("period")["amount"].sum()
    index = pd.period_range(min(p for p, _ in won), current - 1, freq=freq)
    return frame.reindex(index, fill_value=0.0).astype(float)


def _won_before(deal: DealFacts, current: pd.Period) -> bool:
    if deal.status != "won" or deal.closed_at is None:
        return False
    return bool(pd.Period(deal.closed_at, freq=current.freq) < current)


def _pipeline_backtest(
    group: Sequence[DealFacts],
    everyone: Sequence[DealFacts],
    stages: dict[str, StageFacts],
    history: pd.Series,
) -> PipelineBacktest:
    def run(holdout: int) -> np.ndarray | str:
        periods = list(history.index[-holdout:])
        cutoff = periods[0].start_time.to_pydatetime()
        gap = history_gap(group, cutoff)
        if gap is not None:
            return gap
        return backtest_estimate(group, stages, cutoff, periods, rate_deals=everyone).expected

    return run


def _digest(deals: Sequence[DealFacts], stages: dict[str, StageFacts]) -> str:
    """What a pipeline backtest depends on (every deal: win rates learn from all), for the cache."""
    text = "|".join(
        f"{d.id}:{d.amount}:{d.status}:{d.stage_id}:{d.expected_close}:{d.closed_at}:{d.path}"
        for d in sorted(deals, key=lambda d: d.id)
    ) + repr(sorted(stages.items()))
    return hashlib.sha256(text.encode()).hexdigest()


def group_forecasts(
    session: Session,
    principal: Principal,
    period: str,
    by: str,
    horizon: int | None,
    now: datetime,
    limit: int = 20,
) -> tuple[list[s.ForecastGroup], int]:
    """The groups with the most won revenue first, at most ``limit``; and how many were left out."""
    freq = "M" if period == "month" else "W"
    book = load(session, principal, by)
    members: dict[str, list[DealFacts]] = {}
    for deal in book.deals:
        members.setdefault(book.groups[deal.id], []).append(deal)
    current = pd.Period(_naive(now), freq=freq)
    steps = horizon or DEFAULT_HORIZON[freq]
    future = list(pd.period_range(current, periods=steps, freq=freq))
    ranked = sorted(
        members,
        key=lambda k: (-sum(d.amount for d in members[k] if d.status == "won"), k),
    )
    digest = _digest(book.deals, book.stages)
    out = [
        _group_out(key, book, members[key], freq, current, future, f"{digest}|{key}|{current}")
        for key in ranked[:limit]
    ]
    return out, max(0, len(ranked) - limit)


def _group_out(
    key: str,
    book: Workbook,
    group: list[DealFacts],
    freq: str,
    current: pd.Period,
    future: list[pd.Period],
    cache_key: str,
) -> s.ForecastGroup:
    history = _won_series(group, freq, current)
    values = history.to_numpy(dtype=np.float64)
    backtest = _pipeline_backtest(group, book.deals, book.stages, history)
    choice = _cached_choice(values, freq, len(future), backtest, cache_key)
    estimate = live_estimate(group, book.stages, future, rate_deals=book.deals)
    points = [
        s.ForecastPoint(
            period=p.start_time.strftime("%Y-%m-%d"), actual=round(float(v), 2),
            forecast=None, lower=None, upper=None,
        )
        for p, v in history.items()
    ]  # fmt: skip
    points += _future_points(choice, estimate, future)
    baseline = choice.baseline
    baseline_out = (
        None
        if baseline is None
        else s.ForecastBaseline(
            name=choice.baseline_name,
            mase=baseline["mase"],
            mape=_finite(baseline["mape"]),
            note=choice.baseline_note,
        )
    )
    return s.ForecastGroup(
        key=key,
        name=NONE_NAMES.get(book.by, key) if key == NONE_KEY else book.names.get(key, key),
        method=choice.method,
        reason=choice.reason,
        model=_model_out(choice),
        baseline=baseline_out,
        candidates=_candidates_out(choice),
        series=points,
        pipeline=_pipeline_out(choice, estimate),
    )


def _future_points(
    choice: SeriesChoice, estimate: PipelineEstimate, future: list[pd.Period]
) -> list[s.ForecastPoint]:
    if choice.method == INSUFFICIENT:
        return []
    if choice.method == PIPELINE:
        rows = zip(estimate.expected, estimate.lower, estimate.upper, strict=True)
    else:
        assert choice.future is not None
        rows = zip(
            choice.future["forecast"], choice.future["lower"], choice.future["upper"], strict=True
        )
    return [
        s.ForecastPoint(
            period=p.start_time.strftime("%Y-%m-%d"),
            actual=None,
            forecast=round(float(point), 2),
            lower=round(max(0.0, float(low)), 2),
            upper=round(float(high), 2),
        )
        for p, (point, low, high) in zip(future, rows, strict=True)
    ]


def _model_out(choice: SeriesChoice) -> s.ForecastModel | None:
    if choice.method == INSUFFICIENT:
        return None
    winner, baseline = choice.candidates[choice.method], choice.candidates[choice.baseline_name]
    return s.ForecastModel(
        algorithm=choice.method,
        mase=winner["mase"],
        mape=_finite(winner["mape"]),
        evaluation=f"time-ordered holdout of the last {choice.holdout} periods",
        better_than_baseline=winner["mae"] < baseline["mae"],
    )


def _candidates_out(choice: SeriesChoice) -> list[s.ForecastCandidate]:
    out = [
        s.ForecastCandidate(
            method=name, backtested=True, mae=e["mae"], mase=e["mase"], mape=_finite(e["mape"])
        )
        for name, e in choice.candidates.items()
    ]
    out += [
        s.ForecastCandidate(method=name, backtested=False, note=note)
        for name, note in choice.notes.items()
    ]
    return out


def _pipeline_out(choice: SeriesChoice, estimate: PipelineEstimate) -> s.PipelineEstimateOut:
    if PIPELINE in choice.candidates:
        note = None
    elif choice.method == INSUFFICIENT:
        note = "reported but not backtested: the series is too short to backtest"
    else:
        note = choice.notes.get(PIPELINE)
    return s.PipelineEstimateOut(
        open_deals=estimate.open_deals,
        probability_sources=estimate.sources,
        beyond_horizon=estimate.beyond_horizon,
        backtested=PIPELINE in choice.candidates,
        chosen=choice.method == PIPELINE,
        note=note,
        points=[
            s.PipelinePoint(
                period=p.start_time.strftime("%Y-%m-%d"),
                expected=round(float(e), 2),
                lower=round(float(lo), 2),
                upper=round(float(hi), 2),
            )
            for p, e, lo, hi in zip(
                estimate.periods, estimate.expected, estimate.lower, estimate.upper, strict=True
            )
        ],
    )


def _finite(value: float | None) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)
