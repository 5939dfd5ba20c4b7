"""Pipeline-weighted revenue estimate from open deals, and its backtest from stage history.

Expected revenue of a future period = Σ amount × win probability over the open
deals whose expected close date falls in it. Overdue or undated open deals go
to the first forecast period: they are still open, so the owner still expects
them. The probability of a deal is the first of:

1. its stored ``deal_win`` score (``scores`` table);
2. its stage's historical win rate in that pipeline: of the closed deals that
   entered the stage, the share won (only with at least ``MIN_STAGE_EXITS``);
3. the stage's configured probability (``pipeline_stages.probability``).

Interval: each deal is an independent Bernoulli outcome worth its amount, so a
period's variance is Σ amount² p (1 − p) and the 95 % interval is the mean
± 1.96 σ, clipped at 0. Slipping close dates are not modelled, so the
interval is too narrow for a pipeline that slips; the backtest shows how much.

Backtest: the open pipeline as of a cut-off is rebuilt from stage history
(``deal_stage_changes``): a deal counts when its first stage change is before
the cut-off and it had not closed by then, in the last stage it entered before
the cut-off. Win rates use only deals closed before the cut-off; scores are not
historised, so the backtest uses rates and configured probabilities only, and
expected close dates are today's values (their edits are not historised).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from kith.core.lazy import lazy_module

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    np = lazy_module("numpy")
    pd = lazy_module("pandas")


MIN_STAGE_EXITS = 5
Z95 = 1.96


@dataclass(frozen=True)
class StageFacts:
    id: str
    pipeline_id: str
    probability: float  # 0..1, as configured on the stage
    kind: str  # open | won | lost


@dataclass(frozen=True)
class DealFacts:
    """What the estimate needs of one deal; datetimes are naive UTC."""

    id: str
    amount: float
    status: str  # open | won | lost
    stage_id: str
    created_at: datetime
    expected_close: date | None = None
    closed_at: datetime | None = None
    path: tuple[tuple[datetime, str], ...] = ()  # (entered at, stage id), oldest first
    score: float | None = None


@dataclass
class PipelineEstimate:
    periods: list[pd.Period]
    expected: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    open_deals: int
    beyond_horizon: float
    sources: dict[str, int] = field(default_factory=dict)


def stage_win_rates(
    deals: Iterable[DealFacts], as_of: datetime | None = None, min_exits: int = MIN_STAGE_EXITS
) -> dict[str, float]:
    """Share won among closed deals that entered each stage (closed before ``as_of``)."""
    entered: dict[str, int] = {}
    won: dict[str, int] = {}
    for deal in deals:
        if deal.status not in ("won", "lost") or deal.closed_at is None:
            continue
        if as_of is not None and deal.closed_at >= as_of:
            continue
        # The closing stage itself (won/lost) is an outcome, not a stage to rate.
        for stage_id in {stage for _, stage in deal.path} - {deal.stage_id}:
            entered[stage_id] = entered.get(stage_id, 0) + 1
            won[stage_id] = won.get(stage_id, 0) + (deal.status == "won")
    return {s: won[s] / n for s, n in entered.items() if n >= min_exits}


def deal_probability(
    deal: DealFacts,
    stage_id: str,
    rates: dict[str, float],
    stages: dict[str, StageFacts],
    use_score: bool = True,
) -> tuple[float, str]:
    """The win probability and where it came from (score, stage_win_rate, stage_probability)."""
    if use_score and deal.score is not None:
        return float(deal.score), "score"
    if stage_id in rates:
        return rates[stage_id], "stage_win_rate"
    stage = stages.get(stage_id)
    return (stage.probability if stage else 0.0), "stage_probability"


def open_as_of(deals: Iterable[DealFacts], cutoff: datetime) -> list[tuple[DealFacts, str]]:
    """Deals open at ``cutoff`` with the stage they were in, rebuilt from stage history."""
    out: list[tuple[DealFacts, str]] = []
    for deal in deals:
        before = [stage for at, stage in deal.path if at < cutoff]
        if not before:
            continue
        if deal.closed_at is not None and deal.closed_at < cutoff:
            continue
        out.append((deal, before[-1]))
    return out


def history_gap(deals: Sequence[DealFacts], cutoff: datetime) -> str | None:
    """Why the pipeline as of ``cutoff`` cannot be rebuilt, or None when it can."""
    starts = [deal.path[0][0] for deal in deals if deal.path]
    if not starts or min(starts) >= cutoff:
        return f"stage history starts after the backtest cut-off {cutoff:%Y-%m-%d}"
    missing = sum(1 for d in deals if not d.path and d.created_at < cutoff)
    if missing:
        return f"{missing} deal(s) created before the cut-off have no stage history"
    return None


def weighted(
    items: Iterable[tuple[float, float, date | None]], periods: list[pd.Period]
) -> tuple[np.ndarray, np.ndarray, float]:
    """(expected, variance, amount × p beyond the last period) per period.

    ``items`` are (amount, probability, expected close). A close date before the
    first period counts in the first period.
    """
    expected = np.zeros(len(periods))
    variance = np.zeros(len(periods))
    beyond = 0.0
    if not periods:
        return expected, variance, beyond
    freq = periods[0].freq
    first, last = periods[0], periods[-1]
    position = {p: i for i, p in enumerate(periods)}
    for amount, p, close in items:
        period = first if close is None else max(pd.Period(close, freq=freq), first)
        if period > last:
            beyond += amount * p
            continue
        i = position[period]
        expected[i] += amount * p
        variance[i] += amount * amount * p * (1.0 - p)
    return expected, variance, beyond


def _estimate(
    items: list[tuple[DealFacts, str]],
    stages: dict[str, StageFacts],
    rates: dict[str, float],
    periods: list[pd.Period],
    use_score: bool,
) -> PipelineEstimate:
    sources: dict[str, int] = {}
    rows: list[tuple[float, float, date | None]] = []
    for deal, stage_id in items:
        p, source = deal_probability(deal, stage_id, rates, stages, use_score)
        sources[source] = sources.get(source, 0) + 1
        rows.append((deal.amount, min(max(p, 0.0), 1.0), deal.expected_close))
    expected, variance, beyond = weighted(rows, periods)
    spread = Z95 * np.sqrt(variance)
    return PipelineEstimate(
        periods=periods,
        expected=expected,
        lower=np.maximum(expected - spread, 0.0),
        upper=expected + spread,
        open_deals=len(items),
        beyond_horizon=round(beyond, 2),
        sources=sources,
    )


def live_estimate(
    deals: Sequence[DealFacts],
    stages: dict[str, StageFacts],
    periods: list[pd.Period],
    rate_deals: Sequence[DealFacts] | None = None,
) -> PipelineEstimate:
    """Today's open deals, weighted by score, else stage win rate, else stage probability.

    ``rate_deals`` are the deals the win rates are learnt from (default: ``deals``);
    a group's estimate learns rates from every deal the caller may read.
    """
    rates = stage_win_rates(deals if rate_deals is None else rate_deals)
    items = [(d, d.stage_id) for d in deals if d.status == "open"]
    return _estimate(items, stages, rates, periods, use_score=True)


def backtest_estimate(
    deals: Sequence[DealFacts],
    stages: dict[str, StageFacts],
    cutoff: datetime,
    periods: list[pd.Period],
    rate_deals: Sequence[DealFacts] | None = None,
) -> PipelineEstimate:
    """What the estimate would have said at ``cutoff`` about the periods after it."""
    rates = stage_win_rates(deals if rate_deals is None else rate_deals, as_of=cutoff)
    items = [(d, s) for d, s in open_as_of(deals, cutoff) if _is_open(stages, s)]
    return _estimate(items, stages, rates, periods, use_score=False)


def _is_open(stages: dict[str, StageFacts], stage_id: str) -> bool:
    stage = stages.get(stage_id)
    return stage is None or stage.kind == "open"
