"""Looking back at logged decisions: what a version would have decided for the last N
decisions (before publishing it), and precision/recall of the high-risk outcomes
against the labels that arrived."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from kith.realtime.engine import CompiledRuleSet, with_defaults
from kith.realtime.models import RealtimeDecision

HIGH_RISK = frozenset({"step_up", "review", "block"})
REPLAY_EXAMPLES = 20  # changed decisions listed by a replay (all are counted)


def replay_decisions(
    compiled: CompiledRuleSet, decisions: Sequence[RealtimeDecision]
) -> dict[str, Any]:
    """How many of ``decisions`` would change outcome under ``compiled`` (the features
    each was decided on, as logged), by change, and the first changed ones."""
    changed: Counter[str] = Counter()
    examples: list[dict[str, Any]] = []
    for past in decisions:
        result = compiled.evaluate(with_defaults({"input": past.inputs, **(past.features or {})}))
        now = compiled.fallback_outcome if result.error else result.outcome
        if now == past.outcome:
            continue
        changed[f"{past.outcome}→{now}"] += 1
        if len(examples) < REPLAY_EXAMPLES:
            examples.append(
                {
                    "decision_id": past.id,
                    "at": past.at.isoformat(),
                    "order_id": past.order_id,
                    "customer_id": past.customer_id,
                    "version": past.version,
                    "was": past.outcome,
                    "would_be": now,
                    "fired": [f.rule for f in result.fired],
                }
            )
    return {
        "decisions": len(decisions),
        "changed": sum(changed.values()),
        "changes": dict(changed),
        "examples": examples,
    }


def precision_recall(pairs: list[tuple[str, str | None]]) -> dict[str, Any]:
    """(outcome, label) pairs → labelled count, precision and recall of high risk."""
    labelled = [(outcome in HIGH_RISK, label == "fraud") for outcome, label in pairs if label]
    tp = sum(1 for flagged, fraud in labelled if flagged and fraud)
    fp = sum(1 for flagged, fraud in labelled if flagged and not fraud)
    fn = sum(1 for flagged, fraud in labelled if not flagged and fraud)
    return {
        "labelled": len(labelled),
        "precision": round(tp / (tp + fp), 4) if tp + fp else None,
        "recall": round(tp / (tp + fn), 4) if tp + fn else None,
    }
