"""Rebuild the shipped sentiment model; prints one JSON document.

  PYTHONPATH=src .venv/bin/python bench/train_sentiment.py [--out PATH] [--no-write]

1. Data: the generated in-domain business messages of
   ``kith.intelligence.scoring.sentiment_corpus`` (1,400 per language, split by a hash
   of the text into train 80 % / dev 20 %), public review and tweet sentences (polarity
   only, half weight) and, when present, the independently written business sets
   ``tests/data/sentiment_business_{zh,en}.jsonl``: split by a hash of each message's
   id (``kith.bench.sentiment_business``) into training (70 %, full weight; a validation
   fold inside it) and held-out (30 %, only read by the report below).
2. Selection on validation data only: regularisation C, the neutral band, the overrides
   and the flag thresholds (``kith.bench.sentiment_training``).
3. Write ``src/kith/intelligence/data/sentiment.json.gz`` (deterministic: seeded
   corpus, sorted vocabulary, lbfgs, gzip without a timestamp).
4. Report: the business held-out split (the figure that counts), then
   ``tests/data/sentiment_holdout.jsonl`` as "dev (looked at)" — hand-written by the
   author of the generator and looked at many times while building it, so optimistic —
   next to the previous model (``--previous``), the cue-list reader and the majority
   class.
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

from kith.bench.sentiment_business import load, split
from kith.bench.sentiment_training import build, evaluate
from kith.intelligence.scoring.sentiment import Analyser, analyse_rules

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src/kith/intelligence/data/sentiment.json.gz"
LOOKED_AT = ROOT / "tests/data/sentiment_holdout.jsonl"


def looked_at() -> list[SimpleNamespace]:
    lines = LOOKED_AT.read_text(encoding="utf-8").splitlines()
    return [SimpleNamespace(**json.loads(line)) for line in lines if line.strip()]


class _Rules:
    """The cue-list reader behind the Analyser interface ``evaluate`` expects."""

    def analyse(self, text: str) -> Any:
        return analyse_rules(text)


class _Majority:
    def __init__(self, label: str) -> None:
        self.label = label

    def analyse(self, text: str) -> Any:
        return SimpleNamespace(label=self.label, anger=False, urgency=False)


def _majority(rows: list[Any]) -> _Majority:
    labels = sorted(r.label for r in rows)
    return _Majority(max(sorted(set(labels)), key=labels.count) if labels else "neutral")


def compare(analyser: Any, rows: list[Any], previous: Any | None) -> dict[str, Any]:
    entry = {
        "model": evaluate(analyser, rows),
        "cue_rules": evaluate(_Rules(), rows),
        "majority_class": evaluate(_majority(rows), rows),
    }
    if previous is not None:
        entry["previous_model"] = evaluate(previous, rows)
    return entry


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--previous", type=Path, help="an older artifact to compare")
    parser.add_argument("--no-public", action="store_true", help="no public review sentences")
    parser.add_argument(
        "--no-business", action="store_true", help="leave the business sets out of training"
    )
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="where tests/data/sentiment_business_* are"
    )
    args = parser.parse_args()
    sets = load(args.root)
    halves = {language: split(messages) for language, messages in sets.items()}
    business_train = {} if args.no_business else {k: v[0] for k, v in halves.items()}
    start = time.perf_counter()
    document, report = build(with_public=not args.no_public, business=business_train)
    seconds = time.perf_counter() - start
    body = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    packed = gzip.compress(body.encode(), mtime=0)
    if not args.no_write:
        args.out.write_bytes(packed)
    analyser = Analyser(document)
    previous = None
    if args.previous:
        previous = Analyser(json.loads(gzip.decompress(args.previous.read_bytes())))
    out: dict[str, Any] = {
        "benchmark": "train_sentiment",
        "version": document["version"],
        "train_seconds": round(seconds, 1),
        "artifact_bytes": len(packed),
        "artifact_sha256": hashlib.sha256(packed).hexdigest(),
        "training": report,
        "business_held_out": {},
        "dev_looked_at": {},
    }
    for language, (_, held) in halves.items():
        out["business_held_out"][language] = compare(analyser, held, previous)
    dev = looked_at()
    for language in ("zh", "en"):
        rows = [h for h in dev if h.language == language]
        out["dev_looked_at"][language] = compare(analyser, rows, previous)
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
