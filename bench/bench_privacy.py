"""Benchmark: privacy — PII detection quality, masking throughput, DSAR export time.

    python bench/bench_privacy.py                      # SQLite, 10,000 interactions
    python bench/bench_privacy.py --backend postgres --interactions 10000

* detection: precision and recall per label on the labelled zh/en set in
  ``tests/unit/test_privacy_masking.py`` (real-format positives, look-alike
  negatives and known hard cases), for ``detect`` (checksums required) and for the
  masking mode (``strict=False``, which also takes ID/card/mobile-shaped numbers);
* masking: ``mask_text`` throughput in characters per second on mixed zh/en text
  with personal identifiers, and on text with none;
* dsar: one contact with N interactions (created through the service layer, so
  timeline and search index exist as in production), then the time of
  ``export_zip`` (everything about the person → zip of JSON + CSV + summary) and
  of the erasure.

Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from common import BACKENDS

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.unit.test_privacy_masking import CASES

from kith.bench.privacy import dsar_export, masking
from kith.crm.masking import detect


def _score(strict: bool) -> dict[str, Any]:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for case in CASES:
        found = {(s.label, s.text) for s in detect(case.text, strict=strict)}
        expected = set(case.expected)
        for label, _ in found & expected:
            tp[label] += 1
        for label, _ in found - expected:
            fp[label] += 1
        for label, _ in expected - found:
            fn[label] += 1
    labels = sorted(set(tp) | set(fp) | set(fn))

    def pr(t: int, f_p: int, f_n: int) -> dict[str, Any]:
        return {
            "tp": t,
            "fp": f_p,
            "fn": f_n,
            "precision": round(t / (t + f_p), 3) if t + f_p else None,
            "recall": round(t / (t + f_n), 3) if t + f_n else None,
        }

    per_label = {label: pr(tp[label], fp[label], fn[label]) for label in labels}
    return {"overall": pr(sum(tp.values()), sum(fp.values()), sum(fn.values())), **per_label}


def detection() -> dict[str, Any]:
    return {
        "cases": len(CASES),
        "positives": sum(len(c.expected) for c in CASES),
        "hard_cases": sum(1 for c in CASES if c.hard),
        "detect_strict": _score(True),
        "masking_mode": _score(False),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite")
    parser.add_argument("--interactions", type=int, default=10_000)
    parser.add_argument("--mask-chars", type=int, default=1_000_000)
    args = parser.parse_args()
    result = {
        "benchmark": "privacy",
        "detection": detection(),
        "masking": masking(args.mask_chars),
        "dsar": dsar_export(args.backend, args.interactions),
    }
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
