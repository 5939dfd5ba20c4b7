"""Rules read topic, urgency, mood and questions from Chinese and English text."""

from __future__ import annotations

import pytest

from kith.agents.builtin.understanding import read_text


@pytest.mark.parametrize(
    ("text", "topic", "severity", "language"),
    [
        ("冬季续航缩水严重，是不是电池有问题？", "battery_range", "s3", "zh"),
        ("刹车失灵了，App 也打不开", "safety", "s1", "zh"),
        ("The invoice charged me twice", "billing", "s3", "en"),
        ("物流延迟一周还没发货", "logistics", "s3", "zh"),
        ("你好", "general", "s3", "zh"),
    ],
)
def test_topics_and_their_severity(text: str, topic: str, severity: str, language: str) -> None:
    reading = read_text(text)
    assert (reading.topic.name, reading.topic.severity, reading.language) == (
        topic,
        severity,
        language,
    )


def test_mood_and_questions_come_with_their_cues() -> None:
    angry = read_text("太差了，我要投诉，问题一直没解决")
    assert angry.negative and set(angry.mood_cues) >= {"太差", "投诉", "一直"}
    happy = read_text("Thanks, great service!")
    assert happy.sentiment > 0 and not happy.negative
    assert read_text("充电桩怎么申请安装？").question
    assert not read_text("已收到，谢谢").question


def test_factors_explain_the_reading() -> None:
    factors = {f.name: f for f in read_text("冬季续航缩水严重").factors()}
    assert factors["topic"].value == "battery_range"
    assert factors["topic"].description == "续航, 缩水"
    assert factors["sentiment"].value < 0
