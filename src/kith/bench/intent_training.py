"""Training the planner's intent classifier on the generated corpus.

``build()`` fits one multinomial logistic regression over ``classifier.features`` —
binary n-grams scaled to unit length, what ``IntentClassifier`` computes at planning
time — choosing the regularisation on a dev split (a hash of the text) of the
generated corpus; the planner's dev and held-out sets are never read here.
scikit-learn is imported inside the functions: only training needs it.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from typing import Any

from kith.language.understanding.classifier import IntentClassifier, features
from kith.language.understanding.corpus import Example, corpus, fingerprint

VERSION = "intents-1"
C_GRID = (4.0, 16.0)
KEEP = 15_000  # n-grams kept, strongest first


def split(examples: Sequence[Example]) -> tuple[list[Example], list[Example]]:
    """(train, dev) where dev holds every fourth frame of each intent whole: the choice
    is made on phrasings whose frame the model never saw, not on re-fillings of it."""
    train: list[Example] = []
    dev: list[Example] = []
    for e in examples:
        (dev if e.frame % 4 == 3 else train).append(e)
    return train, dev


def _matrix(texts: Sequence[str], vocabulary: dict[str, int] | None = None) -> Any:
    import numpy as np
    import scipy.sparse as sp

    rows = [sorted(features(t)) for t in texts]
    if vocabulary is None:
        vocabulary = {g: j for j, g in enumerate(sorted({g for r in rows for g in r}))}
    kept = [[vocabulary[g] for g in r if g in vocabulary] for r in rows]
    data = [1 / math.sqrt(len(r)) for r, k in zip(rows, kept, strict=True) for _ in k]
    pointers = np.cumsum([0, *(len(k) for k in kept)])
    indices = [j for k in kept for j in k]
    shape = (len(rows), len(vocabulary))
    return sp.csr_matrix((data, indices, pointers), shape=shape), vocabulary


def _fit(train: Sequence[Example], c: float) -> dict[str, Any]:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    matrix, vocabulary = _matrix([e.text for e in train])
    model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
    model.fit(matrix, [e.label for e in train])
    coef = np.asarray(model.coef_)
    strength = np.abs(coef).max(axis=0)
    kept = np.sort(np.argsort(-strength, kind="stable")[:KEEP])
    names = sorted(vocabulary, key=vocabulary.__getitem__)
    rows = np.ascontiguousarray(coef[:, kept].T, dtype="<f4")  # one row per kept n-gram
    return {
        "labels": [str(k) for k in model.classes_],
        "bias": [round(float(b), 5) for b in model.intercept_],
        "vocabulary": [names[j] for j in kept],
        "weights": base64.b64encode(rows.tobytes()).decode(),
        "C": c,
    }


def accuracy(model: IntentClassifier, examples: Sequence[Example]) -> float:
    hits = sum(model.guess(e.text).label == e.label for e in examples)
    return round(hits / len(examples), 4) if examples else 0.0


def build() -> tuple[dict[str, Any], dict[str, Any]]:
    """(the model document to ship, a report of the selection; ``dev_accuracy_by_C`` is
    measured on unseen frames of the generated corpus, a training figure)."""
    examples = corpus()
    train, dev = split(examples)
    tried: dict[str, float] = {}
    best: tuple[float, dict[str, Any]] | None = None
    for c in C_GRID:
        document = {
            **_fit(train, c),
            "version": VERSION,
            "corpus_fingerprint": fingerprint(examples),
        }
        score = accuracy(IntentClassifier(document), dev)
        tried[f"C={c}"] = score
        if best is None or score > best[0]:
            best = (score, document)
    assert best is not None
    final = {**_fit(examples, float(best[1]["C"])), "version": VERSION}
    final["corpus_fingerprint"] = fingerprint(examples)
    report = {
        "corpus": len(examples),
        "train": len(train),
        "dev": len(dev),
        "dev_accuracy_by_C": tried,
        "chosen_C": best[1]["C"],
        "features_kept": len(final["vocabulary"]),
    }
    return final, report
