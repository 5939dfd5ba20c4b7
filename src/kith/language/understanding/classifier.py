"""Scores a clause's intent with the shipped weights (``data/intents.json.gz``): binary
n-grams scaled to unit length times a weight per intent, then softmax — the same
features ``features`` gives the trainer (``kith.bench.intent_training``), so the scores
match scikit-learn's without importing it."""

from __future__ import annotations

import base64
import gzip
import itertools
import json
import math
import re
from array import array
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

_WORD = re.compile(r"[a-z][a-z'-]*|\d+")
_DIGITS = re.compile(r"\d")
ARTIFACT = "intents.json.gz"


def features(text: str) -> set[str]:
    """Character 1–3-grams (Chinese needs no tokeniser) plus English words and word
    pairs; digits read as 0 so that times and amounts do not become vocabulary."""
    flat = _DIGITS.sub("0", " ".join(text.lower().split()))
    grams = {flat[i : i + n] for n in (1, 2, 3) for i in range(len(flat) - n + 1)}
    words = _WORD.findall(flat)
    grams.update(f"w:{w}" for w in words)
    grams.update(f"b:{a} {b}" for a, b in itertools.pairwise(words))
    return grams


@dataclass(frozen=True)
class Guess:
    label: str
    probability: float
    runner_up: str
    runner_up_probability: float


class IntentClassifier:
    """``document``: labels, bias, the kept n-grams (``vocabulary``) and their weights,
    one float32 row of len(labels) per n-gram, base64 (``weights``) — decoded in
    milliseconds, where a JSON list of lists took 0.4 s at start-up."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.labels: list[str] = list(document["labels"])
        self.version = str(document["version"])
        self.corpus_fingerprint = str(document["corpus_fingerprint"])
        self._bias: list[float] = list(document["bias"])
        weights = array("f")
        weights.frombytes(base64.b64decode(document["weights"]))
        width = len(self.labels)
        self._weights = {
            gram: weights[i * width : (i + 1) * width]
            for i, gram in enumerate(document["vocabulary"])
        }

    def guess(self, text: str) -> Guess:
        grams = features(text)
        scale = 1.0 / math.sqrt(len(grams)) if grams else 0.0
        logits = list(self._bias)
        for gram in grams:
            row = self._weights.get(gram)
            if row is not None:
                for k, w in enumerate(row):
                    logits[k] += w * scale
        top = max(logits)
        exp = [math.exp(v - top) for v in logits]
        total = sum(exp)
        ranked = sorted(range(len(exp)), key=lambda k: -exp[k])
        first, second = ranked[0], ranked[1]
        return Guess(
            self.labels[first], exp[first] / total, self.labels[second], exp[second] / total
        )


@lru_cache(maxsize=1)
def shipped() -> IntentClassifier | None:
    """The packaged model, or None when it was never built (the rules then work alone)."""
    path = resources.files("kith.language.understanding").joinpath("data", ARTIFACT)
    if not path.is_file():
        return None
    return IntentClassifier(json.loads(gzip.decompress(path.read_bytes())))
