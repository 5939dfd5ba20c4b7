"""Which classifier versions may score records.

A classifier that does not beat its baseline by a margin, or learnt from too
few labelled rows, is registered (its report is worth reading) but never
becomes the champion, never scores records, and scores an older version of it
wrote are not shown: the record page says "not enough data to score" instead
of a number. The margin and the minimum are settings
(``KITH_MODEL_MIN_AUC_GAIN``, default 0.02; ``KITH_MODEL_MIN_LABELLED_ROWS``,
default 30). The out-of-fold AUC is compared with the baseline's (the prior,
AUC 0.5); the out-of-fold Brier score must also beat the prior's.

Forecasts are not gated: their chosen method is the backtest's best, the
seasonal-naive baseline included.
"""

from __future__ import annotations

from typing import Any

from kith.core.settings import get_settings

NOT_ENOUGH_DATA = "not_enough_data"


def unfit_reason(
    kind: str,
    metrics: dict[str, Any],
    baseline: dict[str, Any],
    rows: int,
    min_gain: float | None = None,
    min_rows: int | None = None,
) -> dict[str, str] | None:
    """Why a version may not score records (zh/en), or None when it may."""
    if kind != "classifier":
        return None
    settings = get_settings()
    gain = settings.model_min_auc_gain if min_gain is None else min_gain
    least = settings.model_min_labelled_rows if min_rows is None else min_rows
    if rows < least:
        return {
            "zh": f"数据不足，无法评分：只有 {rows} 条有结果的记录（至少需要 {least} 条）。",
            "en": f"Not enough data to score: only {rows} labelled records (need {least}).",
        }
    auc = float(metrics.get("auc", 0.0))
    floor = float(baseline.get("auc", 0.5)) + gain
    brier, prior_brier = metrics.get("brier"), baseline.get("brier")
    worse_brier = brier is not None and prior_brier is not None and brier >= prior_brier
    if auc < floor or worse_brier:
        return {
            "zh": f"数据不足，无法评分：模型（AUC {auc:.3f}）没有以足够优势超过基线"
            f"（需要 AUC ≥ {floor:.3f}，且 Brier 分数低于基线）。",
            "en": f"Not enough data to score: the model (AUC {auc:.3f}) does not beat its "
            f"baseline by the margin (needs AUC ≥ {floor:.3f} and a Brier score below the "
            "baseline's).",
        }
    return None


def version_unfit(version: Any) -> dict[str, str] | None:
    """``unfit_reason`` of a registered ``ModelVersion``."""
    return unfit_reason(
        str(version.kind), dict(version.metrics), dict(version.baseline), int(version.rows)
    )
