"""Small descriptive statistics shared by the runtime figures and the benchmarks."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest sample with at least ``fraction`` of the
    samples at or below it (``fraction`` in (0, 1]; ``samples`` not empty)."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]
