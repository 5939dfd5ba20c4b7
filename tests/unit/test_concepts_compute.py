"""The arithmetic of a concept, checked against values worked out by hand: each
normalisation, the weighted sum, renormalised weights when a source is missing or stale,
no value below the minimum coverage, and the weights-sum-to-1 rule with field paths."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from kith.concepts.compute import Reading, Stats, combine, normalise
from kith.concepts.schemas import ConceptDefinition, ConceptNormalisation

NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)


def _definition(**overrides: Any) -> ConceptDefinition:
    data: dict[str, Any] = {
        "indicators": [
            {
                "key": "csat",
                "label_en": "CSAT",
                "label_zh": "满意度",
                "source": "csat",
                "weight": 0.5,
                "freshness_days": 30,
                "normalisation": {
                    "method": "thresholds",
                    "breakpoints": [
                        {"at": 1, "score": 0},
                        {"at": 3, "score": 0.4},
                        {"at": 5, "score": 1},
                    ],
                },
            },
            {
                "key": "nps",
                "label_en": "NPS",
                "label_zh": "净推荐值",
                "source": "nps",
                "weight": 0.3,
                "normalisation": {"method": "minmax", "min": -100, "max": 100},
            },
            {
                "key": "usage",
                "label_en": "Usage",
                "label_zh": "使用",
                "source": "usage",
                "weight": 0.2,
                "normalisation": {"method": "zscore"},
            },
        ],
        "min_coverage": 0.5,
    }
    data.update(overrides)
    return ConceptDefinition.model_validate(data)


def test_normalisations_by_hand() -> None:
    minmax = ConceptNormalisation(method="minmax", min=-100, max=100)
    assert normalise(20, minmax, None) == pytest.approx(0.6)
    assert normalise(500, minmax, None) == 1.0  # clipped
    lower = ConceptNormalisation(method="minmax", min=0, max=10, direction="lower_better")
    assert normalise(2, lower, None) == pytest.approx(0.8)
    z = ConceptNormalisation(method="zscore")
    assert normalise(14, z, Stats(10, 4, 50)) == pytest.approx(0.841345, abs=1e-6)  # Φ(1)
    assert normalise(14, z, Stats(10, 0, 50)) is None  # no spread: no number
    steps = ConceptNormalisation.model_validate(
        {
            "method": "thresholds",
            "breakpoints": [{"at": 1, "score": 0}, {"at": 3, "score": 0.4}, {"at": 5, "score": 1}],
        }
    )
    assert normalise(4, steps, None) == pytest.approx(0.7)
    assert normalise(0, steps, None) == 0.0


def test_weighted_sum_by_hand() -> None:
    # csat 4 → 0.7; nps 20 → 0.6; usage 14 vs mean 10, sd 4 → Φ(1) = 0.841345
    # 100 × (0.5×0.7 + 0.3×0.6 + 0.2×0.841345) = 35 + 18 + 16.83 = 69.8
    readings = {
        "csat": Reading(4, NOW - timedelta(days=2), 3),
        "nps": Reading(20, NOW - timedelta(days=40), 5),
        "usage": Reading(14, NOW, 14),
    }
    result = combine(_definition(), readings, {"usage": Stats(10, 4, 50)}, NOW)
    assert result.value == 69.8
    assert result.band == "watch"
    assert not result.degraded
    assert [c.points for c in result.contributions] == [35.0, 18.0, 16.83]
    assert sum(c.points for c in result.contributions) == pytest.approx(69.83)


def test_missing_source_renormalises_and_says_why() -> None:
    # No usage: the other weights become 0.5/0.8 and 0.3/0.8.
    # 100 × (0.625×0.7 + 0.375×0.6) = 43.75 + 22.5 = 66.25 → 66.2 (one decimal)
    readings = {"csat": Reading(4, NOW, 1), "nps": Reading(20, NOW, 1)}
    result = combine(_definition(), readings, {}, NOW)
    assert result.value == pytest.approx(66.2, abs=0.05)
    assert result.degraded and result.coverage == 0.8
    usage = result.contributions[2]
    assert usage.status == "missing" and usage.points == 0 and usage.effective_weight == 0
    assert "no usage data" in (usage.reason or "")
    assert result.contributions[0].effective_weight == pytest.approx(0.625)


def test_stale_source_is_left_out() -> None:
    readings = {
        "csat": Reading(5, NOW - timedelta(days=31), 1),  # freshness 30 days
        "nps": Reading(100, NOW, 1),
        "usage": Reading(14, NOW, 1),
    }
    result = combine(_definition(), readings, {"usage": Stats(10, 4, 50)}, NOW)
    assert result.contributions[0].status == "stale"
    assert result.coverage == 0.5 and result.degraded
    # 100 × (0.6×1.0 + 0.4×0.841345) = 93.65
    assert result.value == pytest.approx(93.7, abs=0.05)


def test_below_minimum_coverage_there_is_no_value() -> None:
    result = combine(_definition(), {"nps": Reading(100, NOW, 1)}, {}, NOW)
    assert result.value is None and result.band == "unknown" and result.degraded
    assert any("30% of the weight" in r for r in result.reasons)


def test_weights_must_sum_to_one() -> None:
    data = _definition().model_dump(mode="json")
    data["indicators"][0]["weight"] = 0.6
    with pytest.raises(ValidationError) as info:
        ConceptDefinition.model_validate(data)
    assert "sum to 1" in str(info.value)
    data["indicators"][0]["weight"] = 0.5
    data["indicators"][1]["normalisation"] = {"method": "minmax", "min": 5}
    with pytest.raises(ValidationError) as info:
        ConceptDefinition.model_validate(data)
    assert info.value.errors()[0]["loc"][:3] == ("indicators", 1, "normalisation")
