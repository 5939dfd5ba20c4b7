"""``kith bench identity-batch``: one real batch run of ``kith.identity.model.link``
(features, Splink training on a sample of at most ``TRAIN_SAMPLE`` records, prediction
over every blocked pair on DuckDB, clustering) on N generated identities — the
figure behind ``batch_seconds_per_million`` is measured, not extrapolated, at the
size given (issue 24: 1,000,000 in under 2 minutes)."""

from __future__ import annotations

import os
import resource
import time
from typing import Any

from kith.bench.identity_online import _chunks
from kith.identity.model import TRAIN_SAMPLE, link


def run(identities: int = 1_000_000) -> dict[str, Any]:
    started = time.perf_counter()
    records: list[dict[str, Any]] = []
    for _, rows in _chunks(identities):
        records.extend(rows)
    generated = time.perf_counter() - started
    result = link(records)
    timings = {k: round(v, 1) for k, v in result.timings.items()}
    total = timings["total_s"]
    return {
        "benchmark": "identity-batch",
        "identities": len(records),
        "generate_seconds": round(generated, 1),
        "timings_seconds": timings,
        "train_sample": min(TRAIN_SAMPLE, len(records)),
        "scored_pairs": len(result.pairs),
        "clusters": len(set(result.cluster_of.values())),
        "batch_seconds_per_million": round(total * 1_000_000 / len(records), 1),
        "measured_at": len(records),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
