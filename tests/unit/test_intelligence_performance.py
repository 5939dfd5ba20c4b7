"""Live performance arithmetic, outcome recognition and retrain parameters (no database)."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from kith.core.errors import ValidationFailed
from kith.events.envelope import Envelope
from kith.intelligence.monitoring import performance as perf
from kith.intelligence.monitoring.lifecycle import (
    BUILTIN_MODELS,
    holdout_mask,
    parse_kinds,
    parse_margin,
)


def envelope(type_: str, subject_type: str, payload: dict[str, object] | None = None) -> Envelope:
    return Envelope(
        seq=1,
        event_id="e" * 32,
        tenant_id="t" * 32,
        type=type_,
        subject_type=subject_type,
        subject_id="r" * 32,
        actor_kind="user",
        actor_id=None,
        occurred_at=datetime(2026, 11, 22, tzinfo=UTC),
        payload=payload or {},
    )


def test_outcome_events_are_recognised() -> None:
    assert perf.outcome_of(envelope("deal.won", "deal")) == perf.Outcome(
        "deal_win", "deal", 1, "won"
    )
    assert perf.outcome_of(envelope("deal.lost", "deal")).value == 0  # type: ignore[union-attr]
    assert perf.outcome_of(envelope("lead.converted", "lead")).value == 1  # type: ignore[union-attr]
    disqualified = envelope(
        "lead.updated", "lead", {"changes": {"status": ["new", "disqualified"]}}
    )
    assert perf.outcome_of(disqualified) == perf.Outcome(
        "lead_conversion", "lead", 0, "disqualified"
    )
    renamed = envelope("lead.updated", "lead", {"changes": {"name": ["a", "b"]}})
    assert perf.outcome_of(renamed) is None
    assert perf.outcome_of(envelope("deal.stage_changed", "deal")) is None


def test_live_metrics_of_a_perfect_ranking() -> None:
    out = perf.live_metrics([0.9, 0.8, 0.3, 0.1], [1, 1, 0, 0], 0.5)
    assert out["outcomes"] == 4 and out["positives"] == 2 and out["negatives"] == 2
    assert out["auc"] == 1.0
    assert out["accuracy"] == 1.0
    assert out["brier"] == pytest.approx((0.01 + 0.04 + 0.09 + 0.01) / 4, abs=1e-4)
    assert sum(b["count"] for b in out["calibration"]) == 4
    top = next(b for b in out["calibration"] if b["bin"] == [0.9, 1.0])
    assert top == {"bin": [0.9, 1.0], "count": 1, "mean_score": 0.9, "observed_rate": 1.0}


def test_auc_is_absent_until_both_outcomes_happened() -> None:
    one_class = perf.live_metrics([0.9, 0.2], [1, 1], 0.5)
    assert one_class["auc"] is None and one_class["accuracy"] == 0.5
    assert perf.live_metrics([], [], 0.5)["accuracy"] is None


def test_degradation_needs_enough_outcomes_and_a_real_drop() -> None:
    enough = perf.MIN_OUTCOMES
    assert perf.degraded(0.6, 0.8, enough)
    assert not perf.degraded(0.6, 0.8, enough - 1)
    assert not perf.degraded(0.75, 0.8, enough)
    assert not perf.degraded(None, 0.8, enough)


def test_retrain_parameters_are_validated() -> None:
    assert parse_kinds(None) == list(BUILTIN_MODELS)
    assert parse_kinds("churn, deal_win") == ["churn", "deal_win"]
    with pytest.raises(ValidationFailed, match="unknown model"):
        parse_kinds(["churn", "nps"])
    with pytest.raises(ValidationFailed):
        parse_kinds(42)
    assert parse_margin(None) == 0.01
    for bad in (-0.1, 0.5, "a lot", True):
        with pytest.raises(ValidationFailed):
            parse_margin(bad)


def test_the_holdout_is_the_same_records_every_time() -> None:
    ids = pd.Series([f"{i:032x}" for i in range(400)])
    first, again = holdout_mask(ids), holdout_mask(ids.sample(frac=1, random_state=1))
    assert first.sum() == pytest.approx(100, abs=30)
    held = set(ids[first])
    assert held == set(ids.sample(frac=1, random_state=1)[again])


def test_auc_matches_scikit_learn_with_ties() -> None:
    import numpy as np
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 300)
    p = np.round(rng.random(300) * 0.5 + y * 0.3, 1)  # coarse: many ties
    assert perf.auc(y, p) == pytest.approx(roc_auc_score(y, p), abs=1e-12)
