"""Benchmark: privacy — PII detection quality, masking throughput, DSAR export time.

    python bench/bench_privacy.py                      # SQLite, 10,000 interactions
    python bench/bench_privacy.py --backend postgres --interactions 10000

* detection: precision and recall per label on the labelled zh/en set in
  ``kith.bench.pii_cases`` (real-format positives, look-alike negatives and known
  hard cases), for ``detect`` (checksums required) and for the masking mode
  (``strict=False``, which also takes ID/card/mobile-shaped numbers), and how many
  look-alike texts masking alters (also printed by ``kith bench privacy --json``);
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
from pathlib import Path

from common import BACKENDS

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kith.bench.pii_cases import detection
from kith.bench.privacy import dsar_export, masking


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
