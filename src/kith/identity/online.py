"""Online matching: one new identity against the graph, on arrival.

The index holds, for every blocking rule of ``kith.identity.model.BLOCKING``, a map
from the rule's key values to the records that have them, and each record's cluster.
A new identity is compared only with the records that share a key, scored with the
trained model's m/u (the same levels as the batch, tested in Python), and the best
cluster decides: ``attach`` at or above the segment's threshold, ``propose`` (for
review) at or above the review floor, ``leave`` below.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kith.identity.model import (
    BLOCKING,
    COMPARISONS,
    Contribution,
    Explanation,
    Parameters,
    Thresholds,
    features,
    probability,
)

TF_COLUMNS = tuple(
    level.tf_column for comparison in COMPARISONS for level in comparison.levels if level.tf_column
)


def score(
    a: Mapping[str, Any],
    b: Mapping[str, Any],
    params: Parameters,
    tf: Mapping[str, Mapping[str, float]] | None = None,
) -> Explanation:
    """The match weight of two feature rows, field by field (Fellegi–Sunter)."""
    prior_weight = math.log2(params.prior / (1 - params.prior))
    total = prior_weight
    contributions = []
    for comparison in COMPARISONS:
        index, level = next(
            (i, lv) for i, lv in enumerate(comparison.levels) if lv.sql == "ELSE" or lv.test(a, b)
        )
        label, m, u = params.levels[comparison.name][index]
        if level.is_null:
            contributions.append(Contribution(comparison.name, label, 0.0))
            continue
        if level.tf_column and tf is not None:
            column = level.tf_column
            freq = max(tf[column].get(a[column], 0.0), tf[column].get(b[column], 0.0))
            if freq > 0:
                u = freq  # Splink's term-frequency adjustment: bf = m / tf
        weight = math.log2(m / u) if m > 0 and u > 0 else -50.0
        total += weight
        contributions.append(Contribution(comparison.name, label, weight))
    return Explanation(probability(total), total, prior_weight, tuple(contributions))


@dataclass(frozen=True)
class Match:
    decision: str  # attach | propose | leave
    cluster_id: str | None
    record_id: str | None
    explanation: Explanation | None
    threshold: float
    candidates: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "cluster_id": self.cluster_id,
            "record_id": self.record_id,
            "threshold": self.threshold,
            "candidates": self.candidates,
            "explanation": self.explanation.as_dict() if self.explanation else None,
        }


class OnlineIndex:
    """Blocking-key indexes over the linked records, and their clusters."""

    def __init__(
        self, params: Parameters, thresholds: Thresholds | None = None, region: str = "CN"
    ) -> None:
        self.params = params
        self.thresholds = thresholds or Thresholds()
        self.region = region
        self.rows: dict[str, dict[str, Any]] = {}
        self.cluster_of: dict[str, str] = {}
        self.keys: dict[tuple[str, ...], dict[tuple[Any, ...], list[str]]] = {
            rule: defaultdict(list) for rule in BLOCKING
        }
        self._counts: dict[str, Counter[str]] = {c: Counter() for c in TF_COLUMNS}
        self.tf: dict[str, dict[str, float]] = {c: {} for c in TF_COLUMNS}

    def add(self, record_id: str, row: Mapping[str, Any], cluster_id: str) -> None:
        """Index one record's features (``features()`` output) under its cluster."""
        data = dict(row)
        self.rows[record_id] = data
        self.cluster_of[record_id] = cluster_id
        for rule, index in self.keys.items():
            values = tuple(data.get(c) for c in rule)
            if all(v is not None for v in values):
                index[values].append(record_id)
        for column in TF_COLUMNS:
            if data.get(column) is not None:
                self._counts[column][data[column]] += 1

    def add_all(self, rows: Iterable[tuple[str, Mapping[str, Any], str]]) -> None:
        for record_id, row, cluster_id in rows:
            self.add(record_id, row, cluster_id)
        self.refresh_frequencies()

    def refresh_frequencies(self) -> None:
        total = max(1, len(self.rows))
        self.tf = {
            column: {value: n / total for value, n in counts.items()}
            for column, counts in self._counts.items()
        }

    def candidates(self, row: Mapping[str, Any], limit: int = 200) -> list[str]:
        found: dict[str, None] = {}
        for rule, index in self.keys.items():
            values = tuple(row.get(c) for c in rule)
            if all(v is not None for v in values):
                for record_id in index.get(values, ())[:limit]:
                    found[record_id] = None
        return list(found)

    def match(self, record: Mapping[str, Any]) -> Match:
        """Where a new identity (raw channel fields) belongs."""
        row = features(record, self.region)
        segment = record.get("segment")
        best: tuple[float, str, Explanation] | None = None
        candidates = self.candidates(row)
        for record_id in candidates:
            explanation = score(row, self.rows[record_id], self.params, self.tf)
            if best is None or explanation.match_weight > best[0]:
                best = (explanation.match_weight, record_id, explanation)
        threshold = self.thresholds.auto(segment)
        if best is None:
            return Match("leave", None, None, None, threshold, 0)
        _, record_id, explanation = best
        threshold = self.thresholds.pair(segment, self.rows[record_id].get("segment"))
        p = explanation.probability
        decision = (
            "attach"
            if p >= threshold
            else "propose"
            if p >= self.thresholds.review_floor
            else "leave"
        )
        return Match(
            decision,
            self.cluster_of[record_id],
            record_id,
            explanation,
            threshold,
            len(candidates),
        )
