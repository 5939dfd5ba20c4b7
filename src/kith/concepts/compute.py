"""The arithmetic of a concept, with no database: normalise each indicator's raw reading,
leave out what is missing, stale or cannot be normalised (saying why), renormalise the
remaining weights, and sum the points. A value is only given when the indicators that
had data carry at least ``min_coverage`` of the weight; otherwise it is unknown."""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from kith.concepts.schemas import (
    ConceptBand,
    ConceptContribution,
    ConceptDefinition,
    ConceptIndicator,
    ConceptNormalisation,
)

UNKNOWN_BAND = "unknown"
Status = Literal["ok", "missing", "stale", "no_spread"]
_NORMAL = statistics.NormalDist()


@dataclass(frozen=True)
class Reading:
    """A raw value of a source for one customer: its value, when the newest input
    behind it happened, and how many inputs it summarises."""

    value: float
    as_of: datetime
    samples: int = 1


@dataclass(frozen=True)
class Stats:
    """A source's spread across the tenant's customers of one kind (for z-scores)."""

    mean: float
    std: float
    n: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Stats:
        if len(values) < 2:
            return cls(values[0] if values else 0.0, 0.0, len(values))
        return cls(statistics.fmean(values), statistics.pstdev(values), len(values))

    def as_dict(self) -> dict[str, float | int]:
        return {"mean": self.mean, "std": self.std, "n": self.n}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Stats:
        return cls(float(data["mean"]), float(data["std"]), int(data["n"]))


@dataclass
class Result:
    value: float | None
    band: str
    coverage: float
    degraded: bool
    contributions: list[ConceptContribution]
    reasons: list[str] = field(default_factory=list)


def normalise(value: float, norm: ConceptNormalisation, stats: Stats | None) -> float | None:
    """0-1 (1 = best); None when a z-score has no spread to measure against."""
    if norm.method == "thresholds":
        return _piecewise(value, [(b.at, b.score) for b in norm.breakpoints])
    if norm.method == "minmax":
        assert norm.min is not None and norm.max is not None  # the schema checks
        x = min(1.0, max(0.0, (value - norm.min) / (norm.max - norm.min)))
    else:
        if stats is None or stats.n < 2 or stats.std <= 0:
            return None
        x = _NORMAL.cdf((value - stats.mean) / stats.std)
    return 1.0 - x if norm.direction == "lower_better" else x


def _piecewise(value: float, points: Sequence[tuple[float, float]]) -> float:
    if value <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if value <= x1:
            return y0 + (y1 - y0) * (value - x0) / (x1 - x0)
    return points[-1][1]


def band_of(value: float | None, bands: Sequence[ConceptBand]) -> ConceptBand | None:
    if value is None:
        return None
    found = bands[0]
    for band in bands:
        if value >= band.min:
            found = band
    return found


def combine(
    definition: ConceptDefinition,
    readings: Mapping[str, Reading | None],
    stats: Mapping[str, Stats],
    now: datetime,
) -> Result:
    """The concept's value from each indicator's reading (keyed by indicator key)."""
    staged: list[tuple[ConceptIndicator, Reading | None, float | None, Status, str | None]] = []
    for ind in definition.indicators:
        reading = readings.get(ind.key)
        if reading is None:
            staged.append((ind, None, None, "missing", _missing_reason(ind)))
            continue
        if reading.as_of < now - timedelta(days=ind.freshness_days):
            stale = (
                f"{ind.label_en}: newest input {reading.as_of:%Y-%m-%d} is older than "
                f"{ind.freshness_days} days"
            )
            staged.append((ind, reading, None, "stale", stale))
            continue
        score = normalise(reading.value, ind.normalisation, stats.get(ind.key))
        if score is None:
            flat = f"{ind.label_en}: the tenant's values have no spread to z-score against"
            staged.append((ind, reading, None, "no_spread", flat))
            continue
        staged.append((ind, reading, score, "ok", None))
    coverage = math.fsum(ind.weight for ind, _, score, _, _ in staged if score is not None)
    known = coverage >= definition.min_coverage - 1e-9 and coverage > 0
    contributions: list[ConceptContribution] = []
    total = 0.0
    for ind, reading, score, status, reason in staged:
        effective = ind.weight / coverage if score is not None and known else 0.0
        points = 100.0 * effective * score if score is not None else 0.0
        total += points
        contributions.append(
            ConceptContribution(
                key=ind.key,
                label_en=ind.label_en,
                label_zh=ind.label_zh,
                source=ind.source,
                status=status,
                raw=None if reading is None else round(reading.value, 4),
                as_of=None if reading is None else reading.as_of,
                samples=0 if reading is None else reading.samples,
                normalised=None if score is None else round(score, 4),
                weight=ind.weight,
                effective_weight=round(effective, 6),
                points=round(points, 2),
                reason=reason,
            )
        )
    reasons = [c.reason for c in contributions if c.reason]
    if not known:
        reasons.append(
            f"only {coverage:.0%} of the weight has current data; "
            f"{definition.min_coverage:.0%} is needed for a value"
        )
        return Result(None, UNKNOWN_BAND, round(coverage, 4), True, contributions, reasons)
    value = round(min(100.0, max(0.0, total)), 1)
    found = band_of(value, definition.bands)
    assert found is not None
    return Result(
        value, found.name, round(coverage, 4), coverage < 1 - 1e-9, contributions, reasons
    )


def _missing_reason(ind: ConceptIndicator) -> str:
    return f"{ind.label_en}: no {ind.source} data in the last {ind.window_days} days"
