"""Reading customer text, in Chinese and English: topic, urgency, mood.

Topic, question and the cue words come from rules, deliberately simple and
explainable: every label comes with the cue words that produced it, which become the
factors of the decision record. The mood (polarity, anger, urgency) comes from the
trained sentiment reader of ``kith.intelligence`` — a higher layer, so
``kith.bootstrap.wire`` installs it with ``use_mood_reader``; without one (a bare unit
test) the cue lists give the mood, as ``read_cues`` always does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from kith.agents.reasoning import Language
from kith.gateway.contracts import Factor

_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Topic:
    name: str
    cues: tuple[str, ...]
    severity: str  # s1 (safety) .. s4 (cosmetic)
    priority: str


# Most urgent first: a message about brakes *and* the app is a safety case.
TOPICS: tuple[Topic, ...] = (
    Topic(
        "safety",
        ("刹车", "制动", "失灵", "冒烟", "起火", "自燃", "brake", "smoke", "fire"),
        "s1",
        "urgent",
    ),
    Topic(
        "battery_range",
        ("续航", "电池", "掉电", "缩水", "充电", "充不进", "range", "battery", "charging"),
        "s3",
        "high",
    ),
    Topic(
        "billing",
        ("发票", "扣费", "退款", "账单", "invoice", "refund", "billing", "charged"),
        "s3",
        "normal",
    ),
    Topic(
        "logistics",
        ("物流", "延迟", "发货", "到货", "配送", "delivery", "delay", "shipping"),
        "s3",
        "normal",
    ),
    Topic(
        "repair",
        ("维修", "返修", "备件", "保养", "repair", "spare part", "maintenance"),
        "s3",
        "normal",
    ),
    Topic("app", ("app", "闪退", "登录", "蓝牙", "crash", "login", "bluetooth"), "s4", "normal"),
)
GENERAL = Topic("general", (), "s3", "normal")

_NEGATIVE = (
    "严重",
    "太差",
    "失望",
    "投诉",
    "生气",
    "愤怒",
    "垃圾",
    "退货",
    "差评",
    "无法",
    "不能",
    "一直",
    "还没",
    "再也不",
    "受不了",
    "骗",
    "angry",
    "terrible",
    "awful",
    "disappointed",
    "complaint",
    "worst",
    "unacceptable",
    "still not",
    "never again",
    "useless",
)
_POSITIVE = (
    "满意",
    "感谢",
    "谢谢",
    "好评",
    "不错",
    "点赞",
    "thanks",
    "thank you",
    "great",
    "satisfied",
)
_QUESTION = (
    "？",
    "?",
    "怎么",
    "如何",
    "能否",
    "是否",
    "是不是",
    "吗",
    "how",
    "what",
    "can i",
    "why",
)


class Mood(Protocol):
    """What a sentiment reader says of a text (``kith.intelligence``'s ``Sentiment``)."""

    @property
    def label(self) -> str: ...  # negative | neutral | positive

    @property
    def score(self) -> float: ...  # -1 .. +1

    @property
    def anger(self) -> bool: ...

    @property
    def urgency(self) -> bool: ...


_mood_reader: list[tuple[str, Callable[[str], Mood]]] = []


def use_mood_reader(name: str, reader: Callable[[str], Mood] | None) -> None:
    """Install the reader ``read_text`` takes the mood from (None: the cue lists)."""
    _mood_reader.clear()
    if reader is not None:
        _mood_reader.append((name, reader))


def mood_reader() -> tuple[str, Callable[[str], Mood]] | None:
    """The installed reader (name, function), None when the cue lists read the mood."""
    return _mood_reader[0] if _mood_reader else None


@dataclass(frozen=True)
class Reading:
    topic: Topic
    confidence: float
    cues: tuple[str, ...]
    sentiment: float  # -1 (angry) .. +1 (happy)
    mood_cues: tuple[str, ...]
    question: bool
    language: Language
    label: str | None = None  # the trained reader's class; None: cue lists only
    anger: bool = False
    urgency: bool = False
    mood_reader: str = "cues"

    @property
    def negative(self) -> bool:
        if self.label is not None:
            return self.label == "negative"
        return self.sentiment <= -0.4

    def factors(self) -> tuple[Factor, ...]:
        cues = ", ".join(self.cues) or None
        moods = ", ".join(self.mood_cues) or None
        return (
            Factor("topic", self.topic.name, round(self.confidence, 2), cues),
            Factor("sentiment", round(self.sentiment, 2), round(-self.sentiment / 2, 2), moods),
            Factor("question", self.question, 0.1 if self.question else 0.0),
        )


def read_text(text: str) -> Reading:
    """Topic and cues from the rules; the mood from the installed sentiment reader."""
    reading = read_cues(text)
    if not _mood_reader:
        return reading
    name, reader = _mood_reader[0]
    mood = reader(text)
    return replace(
        reading,
        sentiment=max(-1.0, min(1.0, float(mood.score))),
        label=mood.label,
        anger=mood.anger,
        urgency=mood.urgency,
        mood_reader=name,
    )


def read_cues(text: str) -> Reading:
    """The rules alone, mood from the cue lists (the trained reader's own input)."""
    lowered = text.lower()
    topic, cues = _topic(lowered)
    confidence = 0.3 if not cues else min(0.95, 0.45 + 0.15 * len(cues))
    negative = [c for c in _NEGATIVE if c in lowered]
    positive = [c for c in _POSITIVE if c in lowered]
    hits = len(negative) + len(positive)
    sentiment = 0.0 if not hits else (len(positive) - len(negative)) / max(hits, 2)
    return Reading(
        topic=topic,
        confidence=confidence,
        cues=tuple(cues),
        sentiment=max(-1.0, min(1.0, sentiment)),
        mood_cues=tuple(negative + positive),
        question=any(q in lowered for q in _QUESTION),
        language=language_of(text),
    )


def _topic(lowered: str) -> tuple[Topic, list[str]]:
    for topic in TOPICS:
        cues = [c for c in topic.cues if c in lowered]
        if cues:
            return topic, cues
    return GENERAL, []


def language_of(text: str) -> Language:
    return "zh" if _CJK.search(text) else "en"


def shorten(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
