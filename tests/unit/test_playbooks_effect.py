"""The effect of a practice against matched comparable deals, checked against a
hand-computed example (``kith.playbooks.effect``)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from kith.playbooks.effect import MIN_SAMPLE, adoption, compare
from kith.playbooks.features import ClosedDeal
from kith.playbooks.models import PracticeApplication

AT = datetime(2026, 11, 1, tzinfo=UTC)
STAGE = "stage-budget"


def _deal(
    i: str,
    won: bool,
    industry: str,
    size: str,
    days: float,
    stages: frozenset[str] = frozenset({STAGE}),
) -> ClosedDeal:
    return ClosedDeal(i, won, days, industry, size, stages, "owner")


def _app(
    deal_id: str,
    rep: str = "rep-1",
    stage: str = STAGE,
    points: list[dict[str, object]] | None = None,
) -> PracticeApplication:
    return PracticeApplication(
        tenant_id="t",
        practice_id="p",
        deal_id=deal_id,
        applied_by=rep,
        applied_at=AT,
        stage_id=stage,
        status="active",
        points=points or [],
        task_ids=[],
        calls=[],
    )


def _example() -> tuple[list[PracticeApplication], list[ClosedDeal]]:
    """Stratum A (budget stage, hospital, medium): 10 applied (7 won, 20 days each),
    10 comparables (4 won, 40 days). Stratum B (budget, logistics, small): 2 applied
    (1 won, 30 days), 4 comparables (1 won, 50 days). One applied deal in energy has no
    comparable; one hospital deal never reached the budget stage; one is still open
    (not in the closed list)."""
    deals: list[ClosedDeal] = []
    apps: list[PracticeApplication] = []
    for n in range(10):
        deals.append(_deal(f"a{n}", n < 7, "hospital", "medium", 20))
        apps.append(_app(f"a{n}", rep=f"rep-{n % 3}"))
        deals.append(_deal(f"ca{n}", n < 4, "hospital", "medium", 40))
    for n in range(2):
        deals.append(_deal(f"b{n}", n < 1, "logistics", "small", 30))
        apps.append(_app(f"b{n}"))
    for n in range(4):
        deals.append(_deal(f"cb{n}", n < 1, "logistics", "small", 50))
    deals.append(_deal("e0", True, "energy", "large", 10))
    apps.append(_app("e0"))
    deals.append(_deal("x-never-in-budget", False, "hospital", "medium", 99, frozenset({"other"})))
    apps.append(_app("open-deal"))
    return apps, deals


def test_win_rate_and_cycle_time_against_a_hand_computed_example() -> None:
    apps, deals = _example()
    out = compare(apps, deals)
    assert out["applied_closed"] == 13  # the open deal is not closed
    assert out["applied_matched"] == 12  # the energy deal has no comparable
    assert out["comparable_deals"] == 14  # the deal that never reached the stage is out
    assert out["strata"] == 2 and out["sufficient"] is True
    # by hand: p_a = 8/12; p_c = 10/12·0.4 + 2/12·0.25 = 0.375; difference 0.291667
    # var = (8/12)(4/12)/12 + (10/12)²·0.4·0.6/10 + (2/12)²·0.25·0.75/4 = 0.0364873
    # half-width = 1.959964 · 0.1910165 = 0.3743852
    win = out["win_rate"]
    assert win["applied"] == 0.6667 and win["comparable"] == 0.375
    assert win["difference"] == 0.2917 == out["lift"]
    assert win["ci"] == [-0.0827, 0.6661]
    # cycle: applied mean 260/12 = 21.67; comparables 10/12·40 + 2/12·50 = 41.67
    # var = s²/n = (10·(5/3)² + 2·(25/3)²)/11/12 = 1.262626 (comparables have none)
    # half-width = 1.959964 · 1.123666 = 2.202346
    cycle = out["cycle_days"]
    assert (cycle["applied"], cycle["comparable"], cycle["difference"]) == (21.67, 41.67, -20.0)
    assert cycle["ci"] == [-22.2, -17.8]
    half = 1.959964 * math.sqrt(0.0364873)
    assert abs(win["ci"][1] - (0.291667 + half)) < 1e-3


def test_no_lift_is_claimed_below_the_minimum_sample() -> None:
    apps, deals = _example()
    few = [a for a in apps if a.deal_id in {"a0", "a1", "a7"}]
    out = compare(few, deals)
    assert out["applied_matched"] == 3 < MIN_SAMPLE
    assert out["sufficient"] is False and out["lift"] is None
    assert out["win_rate"]["applied"] == 0.6667  # the figures are shown...
    assert out["win_rate"]["difference"] is None and out["win_rate"]["ci"] is None  # ...no claim
    assert "sample too small" in out["reason"]
    assert compare([], deals)["sufficient"] is False


def test_adoption_counts_reps_deals_and_points_met() -> None:
    apps = [
        _app(
            "d1", "r1", points=[{"key": "a", "met_at": "2026-11-02"}, {"key": "b", "met_at": None}]
        ),
        _app(
            "d2", "r2", points=[{"key": "a", "met_at": "2026-11-03"}, {"key": "b", "met_at": None}]
        ),
        _app("d3", "r1", points=[{"key": "a", "met_at": None}, {"key": "b", "met_at": None}]),
    ]
    out = adoption(apps)
    assert (out["reps"], out["deals"], out["points_met"], out["points_total"]) == (2, 3, 2, 6)
    assert out["points_met_share"] == 0.3333
