"""Rebuild the shipped intent classifier of the planner; prints one JSON document.

  PYTHONPATH=src .venv/bin/python bench/train_intents.py [--no-write]

1. Corpus: ``kith.language.understanding.corpus`` (frames × fillers × politeness, typos,
   mixed zh/en), split by a hash of the text into train (85%) and dev (15%).
2. Selection on dev: the regularisation C (objective: accuracy).
3. Refit on the whole corpus with the chosen C and write
   ``src/kith/language/understanding/data/intents.json.gz`` (deterministic: seeded
   corpus, sorted vocabulary, lbfgs, gzip without a timestamp).
The planner's dev and held-out sets are never read: ``kith bench language`` measures them.
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from pathlib import Path

from kith.bench.intent_training import build

OUT = Path(__file__).resolve().parents[1] / "src/kith/language/understanding/data/intents.json.gz"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    document, report = build()
    raw = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    if not args.no_write:
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_bytes(gzip.compress(raw.encode(), mtime=0))
    report["seconds"] = round(time.perf_counter() - started, 1)
    report["artifact_bytes"] = len(gzip.compress(raw.encode(), mtime=0))
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
