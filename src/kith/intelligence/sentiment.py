"""Sentiment and emotion of an interaction, Chinese and English, offline.

The polarity comes from the agents' own reader
(``kith.agents.builtin.understanding.read_text``: cue words, no model
download), so an agent and a dashboard never disagree about a message. This
module adds the three-way label and the anger and urgency flags.
"""

from __future__ import annotations

from dataclasses import dataclass

from kith.agents.builtin.understanding import read_text

VERSION = "sentiment-rules/1"
NEGATIVE_BELOW = -0.2
POSITIVE_ABOVE = 0.2
_ANGER = (
    "生气", "愤怒", "气死", "垃圾", "骗", "受不了", "太差", "再也不",
    "angry", "furious", "outraged", "ridiculous", "unacceptable", "worst", "scam",
    "never again", "terrible",
)  # fmt: skip
_URGENT = (
    "马上", "立刻", "立即", "尽快", "紧急", "急", "今天必须", "赶紧",
    "urgent", "asap", "immediately", "right now", "emergency", "as soon as possible",
)  # fmt: skip


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


def analyse(text: str | None) -> Sentiment:
    if not text or not text.strip():
        return Sentiment("neutral", 0.0, False, False, ())
    reading = read_text(text)
    lowered = text.lower()
    anger = [c for c in _ANGER if c in lowered]
    urgent = [c for c in _URGENT if c in lowered]
    score = reading.sentiment
    if (anger or reading.topic.name == "safety") and score > -0.5:
        score = -0.5  # an angry message or a safety failure is negative whatever else it says
    label = (
        "negative"
        if score <= NEGATIVE_BELOW
        else "positive"
        if score >= POSITIVE_ABOVE
        else "neutral"
    )
    return Sentiment(
        label,
        round(score, 4),
        anger=bool(anger),
        urgency=bool(urgent) or reading.topic.priority == "urgent",
        cues=tuple(dict.fromkeys([*reading.mood_cues, *anger, *urgent])),
    )
