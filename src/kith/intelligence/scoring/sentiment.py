"""Sentiment and emotion of a business message, Chinese and English, offline.

Three classes (negative / neutral / positive) and two flags (anger, urgency). All
three come from small logistic regressions shipped with the package
(``data/sentiment.json.gz``: character 1-3-grams for zh; words, word pairs and
character 2-4-grams for en), trained by ``bench/train_sentiment.py`` on the in-domain
corpus of ``sentiment_corpus`` (generated business messages: requests, complaints,
churn threats, refund demands, praise, sarcasm, mixed messages) plus, for polarity,
public review and tweet sentences at half weight (``kith.bench.sentiment_training``), with the
choices made on the dev splits. The exact rules kept: the cue lists below also raise the flags (a
message that says "furious" or "马上" is angry / urgent whatever the model says), a
safety topic is urgent, and, where the dev split showed it helps, an angry message is
negative. The cue reader's words are still the cues shown to a person.
"""

from __future__ import annotations

import gzip
import itertools
import json
import logging
import math
import re
import threading
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from kith.agents.builtin.understanding import Reading, language_of, read_cues

VERSION = "sentiment-business-lr/4"  # /4: + the independently written business sets
RULES_VERSION = "sentiment-rules/1"
ARTIFACT = "sentiment.json.gz"
NEGATIVE_BELOW = -0.2  # the cue reader's own bands, for its override and for analyse_rules
POSITIVE_ABOVE = 0.2
LABELS = ("negative", "neutral", "positive")
_ANGER = (
    "生气", "愤怒", "气死", "垃圾", "骗", "受不了", "太差", "再也不",
    "angry", "furious", "outraged", "ridiculous", "unacceptable", "worst", "scam",
    "never again", "terrible",
)  # fmt: skip
_URGENT = (
    "马上", "立刻", "立即", "尽快", "紧急", "急", "今天必须", "赶紧",
    "urgent", "asap", "immediately", "right now", "emergency", "as soon as possible",
)  # fmt: skip
_WORD = re.compile(r"[a-z0-9']+|[^\sa-z0-9']")


@dataclass(frozen=True)
class Sentiment:
    label: str  # negative | neutral | positive
    score: float  # -1 .. +1
    anger: bool
    urgency: bool
    cues: tuple[str, ...]

    @property
    def probability_positive(self) -> float:
        """The score on 0..1, for storing next to the model scores."""
        return round((self.score + 1) / 2, 4)


def features(text: str, language: str, words: bool = False) -> set[str]:
    """The model's inputs, shared by training and scoring so they cannot drift apart.

    zh: character 1-3-grams carry most words; with ``words`` (a model trained so says
    ``"words": true``) jieba's words are added as ``w:`` features. en adds words and
    word pairs because negation ("not good") is a pair.
    """
    flat = " ".join(text.lower().split())
    if language == "zh":
        grams = _chars(flat, 1, 3)
        if words:
            grams.update(f"w:{w}" for w in _zh_words(flat))
        return grams
    tokens = _WORD.findall(flat)
    grams = _chars(f" {flat} ", 2, 4)
    grams.update(f"w:{w}" for w in tokens)
    grams.update(f"b:{a} {b}" for a, b in itertools.pairwise(tokens))
    return grams


_jieba_ready = threading.Lock()


def _zh_words(text: str) -> list[str]:
    """jieba's words of two or more characters (single characters are already 1-grams);
    the dictionary is loaded once per process, quietly (about a second)."""
    import jieba

    if not jieba.dt.initialized:
        with _jieba_ready:
            if not jieba.dt.initialized:
                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
    return [w for w in jieba.lcut(text) if len(w.strip()) >= 2]


def _chars(text: str, low: int, high: int) -> set[str]:
    return {text[i : i + n] for n in range(low, high + 1) for i in range(len(text) - n + 1)}


class Analyser:
    """Scores text with one model document (the shipped one, or one being trained)."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.version = str(document.get("version", VERSION))
        # one {n-gram: weight} dict per logit, so scoring is a C-level map over the n-grams
        self._columns = {
            language: [
                {g: row[k] for g, row in model["weights"].items()}
                for k in range(len(model["bias"]))
            ]
            for language, model in document["languages"].items()
        }
        self._flag_columns = {
            language: {name: dict(head["weights"]) for name, head in model.get("flags", {}).items()}
            for language, model in document["languages"].items()
        }

    def grams(self, text: str, language: str) -> set[str]:
        model = self.document["languages"][language]
        return features(text, language, words=bool(model.get("words", False)))

    def probabilities(
        self, text: str, language: str, grams: set[str] | None = None
    ) -> dict[str, float]:
        """P(class) for the language's model; a two-class model gives no neutral."""
        model = self.document["languages"][language]
        grams = self.grams(text, language) if grams is None else grams
        scale = 1 / math.sqrt(len(grams)) if grams else 0.0
        logits = [
            bias + scale * math.fsum(filter(None, map(column.get, grams)))
            for bias, column in zip(model["bias"], self._columns[language], strict=True)
        ]
        return dict(zip(model["classes"], _softmax(logits, len(model["classes"])), strict=True))

    def analyse(self, text: str | None) -> Sentiment:
        if not text or not text.strip():
            return Sentiment("neutral", 0.0, False, False, ())
        language = language_of(text)
        if language not in self.document["languages"]:  # a one-language model being tuned
            language = next(iter(self.document["languages"]))
        reading = read_cues(text)
        anger, urgent = _flags(text)
        model = self.document["languages"][language]
        grams = self.grams(text, language)
        probs = self.probabilities(text, language, grams)
        score = probs.get("positive", 0.0) - probs.get("negative", 0.0)
        rules = model["rules"]
        label = _band(score, float(rules["neutral_band"]))
        anger_model = _flag(model, "anger", self._flag_columns[language], grams)
        if anger_model and _negatives_only(model, "anger") and label != "negative":
            anger_model = False  # a head trained on complaints only judges complaints
        urgent_model = _flag(model, "urgency", self._flag_columns[language], grams)
        decided = polarity_label(score, reading, bool(anger) or anger_model, rules)
        if decided != label:
            label = decided
            score = _clamp_to(label, score, reading.sentiment)
        return Sentiment(
            label,
            round(score, 4),
            anger=bool(anger) or anger_model,
            urgency=bool(urgent) or urgent_model or reading.topic.priority == "urgent",
            cues=tuple(dict.fromkeys([*reading.mood_cues, *anger, *urgent])),
        )


def polarity_label(score: float, reading: Reading, angry: bool, rules: dict[str, Any]) -> str:
    """The class from the polarity score (P(positive) − P(negative)), the neutral band and
    the cue-list overrides the rules switch on (training tries them on cached scores)."""
    override = _override(reading, angry, rules)
    return override if override is not None else _band(score, float(rules["neutral_band"]))


def cue_anger(text: str) -> bool:
    """Whether an anger cue word is in the text (it raises the flag whatever the model)."""
    return bool(_flags(text)[0])


def _negatives_only(model: dict[str, Any], name: str) -> bool:
    return bool(model.get("flags", {}).get(name, {}).get("negatives_only", False))


def _flag(
    model: dict[str, Any], name: str, columns: dict[str, dict[str, float]], grams: set[str]
) -> bool:
    """The flag head's answer (logit at or above its threshold, chosen on a validation
    fold when training; 0, i.e. P >= 0.5, without one); a model without the head says no."""
    head = model.get("flags", {}).get(name)
    if head is None:
        return False
    column = columns[name]
    scale = 1 / math.sqrt(len(grams)) if grams else 0.0
    logit = float(head["bias"]) + scale * math.fsum(filter(None, map(column.get, grams)))
    return logit >= float(head.get("threshold", 0.0))


def _softmax(logits: list[float], classes: int) -> list[float]:
    if classes == 2 and len(logits) == 1:  # a binary model stores one logit for its 2nd class
        p = 1 / (1 + math.exp(-max(-50.0, min(50.0, logits[0]))))
        return [1 - p, p]
    top = max(logits)
    exps = [math.exp(v - top) for v in logits]
    total = sum(exps)
    return [e / total for e in exps]


def _band(score: float, band: float) -> str:
    if abs(score) < band:
        return "neutral"
    return "positive" if score > 0 else "negative"


def _flags(text: str) -> tuple[list[str], list[str]]:
    lowered = text.lower()
    return [c for c in _ANGER if c in lowered], [c for c in _URGENT if c in lowered]


def _override(reading: Reading, angry: bool, rules: dict[str, Any]) -> str | None:
    """The cue reader's answer where it is trusted (switches chosen on the dev split)."""
    if rules.get("anger_is_negative") and (angry or reading.topic.name == "safety"):
        return "negative"  # an angry message or a safety failure is negative whatever else
    if rules.get("cues_override"):
        label = _rules_label(reading.sentiment)
        if label != "neutral":
            return label
    if rules.get("question_is_neutral") and reading.question and not reading.mood_cues:
        return "neutral"  # a question with no mood word asks, it does not judge
    return None


def _clamp_to(label: str, score: float, cue_score: float) -> float:
    """Keep the score's sign consistent with the label a person sees."""
    if label == "neutral":
        return max(-0.19, min(0.19, score))
    if label == "negative":
        return min(score, cue_score, -0.5)
    return max(score, cue_score)


def _rules_label(score: float) -> str:
    if score <= NEGATIVE_BELOW:
        return "negative"
    return "positive" if score >= POSITIVE_ABOVE else "neutral"


@cache
def _shipped() -> Analyser:
    """Loaded on first use, once per process (the file is about 1 MB compressed)."""
    raw = resources.files("kith.intelligence").joinpath("data", ARTIFACT).read_bytes()
    return Analyser(json.loads(gzip.decompress(raw)))


def analyse(text: str | None) -> Sentiment:
    return _shipped().analyse(text)


def analyse_rules(text: str | None) -> Sentiment:
    """The previous reader (cue lists only), kept as the benchmark's comparison."""
    if not text or not text.strip():
        return Sentiment("neutral", 0.0, False, False, ())
    reading = read_cues(text)
    anger, urgent = _flags(text)
    score = reading.sentiment
    if (anger or reading.topic.name == "safety") and score > -0.5:
        score = -0.5
    return Sentiment(
        _rules_label(score),
        round(score, 4),
        anger=bool(anger),
        urgency=bool(urgent) or reading.topic.priority == "urgent",
        cues=tuple(dict.fromkeys([*reading.mood_cues, *anger, *urgent])),
    )
