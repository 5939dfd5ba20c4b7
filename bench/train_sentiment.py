"""Rebuild the shipped sentiment model; prints one JSON document.

  PYTHONPATH=src .venv/bin/python bench/train_sentiment.py [--out PATH] [--no-write]

1. Corpus: the generated in-domain business messages of
   ``kith.intelligence.scoring.sentiment_corpus`` (1,400 per language), split by a hash
   of the text into train (80%) and dev (20%).
2. Selection on dev: regularisation C, the neutral band and the anger override
   (objective: macro-F1); the flag heads use the chosen C.
3. Write ``src/kith/intelligence/data/sentiment.json.gz`` (deterministic: seeded
   corpus, sorted vocabulary, lbfgs, gzip without a timestamp).
4. Report: dev figures of the final model, then the hand-written held-out set
   ``tests/data/sentiment_holdout.jsonl`` (never used for any choice), next to the
   previous model's figures when ``--previous`` points at its artifact, the cue-list
   reader and the majority class.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from kith.bench.sentiment_training import build, evaluate
from kith.intelligence.scoring.sentiment import Analyser, analyse_rules

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src/kith/intelligence/data/sentiment.json.gz"
HOLDOUT = ROOT / "tests/data/sentiment_holdout.jsonl"


def holdout() -> list[SimpleNamespace]:
    lines = HOLDOUT.read_text(encoding="utf-8").splitlines()
    return [SimpleNamespace(**json.loads(line)) for line in lines if line.strip()]


class _Rules:
    """The cue-list reader behind the Analyser interface ``evaluate`` expects."""

    def analyse(self, text: str) -> Any:
        return analyse_rules(text)


class _Majority:
    def analyse(self, text: str) -> Any:
        return SimpleNamespace(label="negative", anger=False, urgency=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--previous", type=Path, help="an older artifact to compare on held-out")
    parser.add_argument("--no-public", action="store_true", help="generated business messages only")
    args = parser.parse_args()
    start = time.perf_counter()
    document, report = build(with_public=not args.no_public)
    seconds = time.perf_counter() - start
    body = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    packed = gzip.compress(body.encode(), mtime=0)
    if not args.no_write:
        args.out.write_bytes(packed)
    analyser = Analyser(document)
    held = holdout()
    out: dict[str, Any] = {
        "benchmark": "train_sentiment",
        "version": document["version"],
        "train_seconds": round(seconds, 1),
        "artifact_bytes": len(packed),
        "artifact_sha256": hashlib.sha256(packed).hexdigest(),
        "training": report,
        "holdout": {},
    }
    previous = None
    if args.previous:
        previous = Analyser(json.loads(gzip.decompress(args.previous.read_bytes())))
    for language in ("zh", "en"):
        rows = [h for h in held if h.language == language]
        entry = {
            "model": evaluate(analyser, rows),
            "cue_rules": evaluate(_Rules(), rows),  # type: ignore[arg-type]
            "majority_class": evaluate(_Majority(), rows),  # type: ignore[arg-type]
        }
        if previous is not None:
            entry["previous_model"] = evaluate(previous, rows)
        out["holdout"][language] = entry
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
