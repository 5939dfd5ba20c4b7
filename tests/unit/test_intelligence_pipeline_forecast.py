"""The pipeline-weighted estimate: arithmetic, probability sources, rebuilding the past pipeline."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from kith.intelligence.forecast.pipeline import (
    DealFacts,
    StageFacts,
    backtest_estimate,
    deal_probability,
    history_gap,
    live_estimate,
    open_as_of,
    stage_win_rates,
    weighted,
)

STAGES = {
    "qualify": StageFacts("qualify", "p1", 0.2, "open"),
    "propose": StageFacts("propose", "p1", 0.6, "open"),
    "won": StageFacts("won", "p1", 1.0, "won"),
    "lost": StageFacts("lost", "p1", 0.0, "lost"),
}
MONTHS = list(pd.period_range("2026-11", periods=3, freq="M"))


def deal(
    deal_id: str,
    amount: float,
    *,
    status: str = "open",
    stage: str = "qualify",
    close: date | None = None,
    closed_at: datetime | None = None,
    path: tuple[tuple[datetime, str], ...] = (),
    score: float | None = None,
) -> DealFacts:
    return DealFacts(
        id=deal_id,
        amount=amount,
        status=status,
        stage_id=stage,
        created_at=path[0][0] if path else datetime(2026, 1, 1),
        expected_close=close,
        closed_at=closed_at,
        path=path or ((datetime(2026, 1, 1), stage),),
        score=score,
    )


def test_expected_revenue_is_amount_times_probability_in_the_close_period() -> None:
    expected, variance, beyond = weighted(
        [
            (100.0, 0.5, date(2026, 11, 20)),
            (200.0, 0.25, date(2026, 12, 3)),
            (50.0, 1.0, date(2026, 8, 1)),  # overdue: still expected, so the first period
            (80.0, 0.5, None),  # undated: the first period too
            (1000.0, 0.1, date(2027, 6, 1)),  # past the horizon
        ],
        MONTHS,
    )
    assert expected.tolist() == [100 * 0.5 + 50 + 80 * 0.5, 200 * 0.25, 0.0]
    assert variance.tolist() == pytest.approx(
        [100**2 * 0.25 + 0 + 80**2 * 0.25, 200**2 * 0.25 * 0.75, 0.0]
    )
    assert beyond == pytest.approx(100.0)


def test_interval_is_the_bernoulli_spread_clipped_at_zero() -> None:
    estimate = live_estimate([deal("a", 1000.0, close=date(2026, 11, 5))], STAGES, MONTHS)
    sd = np.sqrt(1000.0**2 * 0.2 * 0.8)
    assert estimate.expected[0] == pytest.approx(200.0)
    assert estimate.upper[0] == pytest.approx(200.0 + 1.96 * sd)
    assert estimate.lower[0] == 0.0  # 200 - 1.96 * 400 < 0
    assert estimate.sources == {"stage_probability": 1}


def closed(deal_id: str, won: bool, at: datetime, stages: tuple[str, ...]) -> DealFacts:
    path = (*((datetime(2026, 1, 1), s) for s in stages), (at, "won" if won else "lost"))
    return deal(
        deal_id, 10.0, status="won" if won else "lost", stage=path[-1][1], closed_at=at, path=path
    )


def test_probability_prefers_score_then_stage_win_rate_then_configured() -> None:
    history = [closed(f"w{i}", True, datetime(2026, 3, 1), ("qualify",)) for i in range(2)]
    history += [closed(f"l{i}", False, datetime(2026, 3, 1), ("qualify",)) for i in range(6)]
    rates = stage_win_rates(history)
    assert rates == {"qualify": pytest.approx(0.25)}  # 'propose' has < 5 exits: no rate
    scored = deal("s", 10.0, score=0.9)
    assert deal_probability(scored, "qualify", rates, STAGES) == (0.9, "score")
    assert deal_probability(scored, "qualify", rates, STAGES, use_score=False) == (
        pytest.approx(0.25),
        "stage_win_rate",
    )
    assert deal_probability(deal("p", 10.0), "propose", rates, STAGES) == (
        0.6,
        "stage_probability",
    )


def test_win_rates_as_of_a_cutoff_ignore_later_outcomes() -> None:
    early = [closed(f"l{i}", False, datetime(2026, 2, 1), ("qualify",)) for i in range(5)]
    late = [closed(f"w{i}", True, datetime(2026, 9, 1), ("qualify",)) for i in range(5)]
    assert stage_win_rates(early + late, as_of=datetime(2026, 6, 1)) == {"qualify": 0.0}
    assert stage_win_rates(early + late) == {"qualify": 0.5}


def test_open_pipeline_is_rebuilt_from_stage_history() -> None:
    moved = deal(
        "moved",
        100.0,
        status="won",
        stage="won",
        closed_at=datetime(2026, 7, 10),
        path=(
            (datetime(2026, 4, 1), "qualify"),
            (datetime(2026, 5, 20), "propose"),
            (datetime(2026, 7, 10), "won"),
        ),
    )
    later = deal("later", 50.0, path=((datetime(2026, 6, 15), "qualify"),))
    gone = closed("gone", False, datetime(2026, 5, 1), ("qualify",))
    rebuilt = open_as_of([moved, later, gone], datetime(2026, 6, 1))
    assert [(d.id, stage) for d, stage in rebuilt] == [("moved", "propose")]

    periods = list(pd.period_range("2026-06", periods=2, freq="M"))
    estimate = backtest_estimate([moved, later, gone], STAGES, datetime(2026, 6, 1), periods)
    # expected close is unknown: the deal counts in the first period, at the stage's 60 %.
    assert estimate.expected.tolist() == [pytest.approx(60.0), 0.0]
    assert estimate.sources == {"stage_probability": 1}


def test_backtest_ignores_scores_which_are_not_historised() -> None:
    scored = deal("s", 100.0, score=0.99, path=((datetime(2026, 1, 5), "qualify"),))
    periods = list(pd.period_range("2026-06", periods=1, freq="M"))
    estimate = backtest_estimate([scored], STAGES, datetime(2026, 6, 1), periods)
    assert estimate.expected[0] == pytest.approx(20.0)


def test_history_gap_says_why_the_past_pipeline_cannot_be_rebuilt() -> None:
    recent = deal("r", 1.0, path=((datetime(2026, 9, 1), "qualify"),))
    assert "starts after" in str(history_gap([recent], datetime(2026, 6, 1)))
    bare = DealFacts("b", 1.0, "open", "qualify", datetime(2026, 1, 1))
    assert "no stage history" in str(history_gap([recent, bare], datetime(2026, 10, 1)))
    assert history_gap([recent], datetime(2026, 10, 1)) is None
