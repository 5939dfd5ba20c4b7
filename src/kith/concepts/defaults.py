"""The default "customer health" concept every workspace can publish (the demo does):
the call centre's CSAT, the surveys' NPS, IoT's mean time between failures, finance's
renewal trend, app usage and the sentiment of what customers write, with weights that
sum to 1."""

from __future__ import annotations

from kith.concepts.schemas import ConceptDefinition, ConceptDraftIn

CUSTOMER_HEALTH = "customer_health"


def _bp(*points: tuple[float, float]) -> list[dict[str, float]]:
    return [{"at": at, "score": score} for at, score in points]


DEFAULT_DEFINITION = ConceptDefinition.model_validate(
    {
        "indicators": [
            {
                "key": "csat",
                "label_en": "CSAT after tickets",
                "label_zh": "工单满意度",
                "source": "csat",
                "weight": 0.3,
                "window_days": 180,
                "freshness_days": 120,
                "normalisation": {
                    "method": "thresholds",
                    "breakpoints": _bp((1, 0.0), (3, 0.4), (4, 0.75), (5, 1.0)),
                },
            },
            {
                "key": "nps",
                "label_en": "Net Promoter Score",
                "label_zh": "净推荐值",
                "source": "nps",
                "weight": 0.15,
                "window_days": 365,
                "freshness_days": 365,
                "normalisation": {"method": "minmax", "min": -100, "max": 100},
            },
            {
                "key": "reliability",
                "label_en": "Mean time between failures",
                "label_zh": "平均故障间隔",
                "source": "mtbf",
                "weight": 0.2,
                "window_days": 180,
                "freshness_days": 30,
                "normalisation": {
                    "method": "thresholds",
                    "breakpoints": _bp((0, 0.0), (30, 0.3), (90, 0.7), (180, 1.0)),
                },
            },
            {
                "key": "renewal",
                "label_en": "Renewal trend",
                "label_zh": "续约趋势",
                "source": "renewal_slope",
                "weight": 0.15,
                "window_days": 365,
                "freshness_days": 180,
                "normalisation": {
                    "method": "thresholds",
                    "breakpoints": _bp((-0.2, 0.0), (0, 0.5), (0.2, 1.0)),
                },
            },
            {
                "key": "usage",
                "label_en": "App usage",
                "label_zh": "App 使用",
                "source": "usage",
                "weight": 0.1,
                "window_days": 90,
                "freshness_days": 90,
                "normalisation": {"method": "zscore"},
            },
            {
                "key": "sentiment",
                "label_en": "Message sentiment",
                "label_zh": "互动情绪",
                "source": "sentiment",
                "weight": 0.1,
                "window_days": 180,
                "freshness_days": 120,
                "normalisation": {"method": "minmax", "min": -1, "max": 1},
            },
        ],
        "min_coverage": 0.3,
    }
)

DEFAULT_DRAFT = ConceptDraftIn(
    concept_key=CUSTOMER_HEALTH,
    label_en="Customer health",
    label_zh="客户健康度",
    definition=DEFAULT_DEFINITION,
)
