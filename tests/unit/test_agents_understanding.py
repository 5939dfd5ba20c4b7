"""Rules read topic, urgency, mood and questions from Chinese and English text; the
mood comes from the trained sentiment reader once the composition root installs it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kith.agents.builtin.understanding import mood_reader, read_cues, read_text, use_mood_reader


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
    angry = read_cues("太差了，我要投诉，问题一直没解决")
    assert angry.negative and set(angry.mood_cues) >= {"太差", "投诉", "一直"}
    happy = read_cues("Thanks, great service!")
    assert happy.sentiment > 0 and not happy.negative
    assert read_cues("充电桩怎么申请安装？").question
    assert not read_cues("已收到，谢谢").question


@pytest.fixture
def installed() -> Iterator[None]:
    before = mood_reader()
    yield
    if before is None:
        use_mood_reader("cues", None)
    else:
        use_mood_reader(*before)


def test_the_installed_sentiment_reader_gives_the_mood(installed: None) -> None:
    from kith.bootstrap import wire
    from kith.intelligence.scoring.sentiment import VERSION, analyse

    wire()
    reading = read_text("We were charged twice for the annual plan; please refund one charge.")
    assert (reading.label, reading.negative, reading.urgency) == ("negative", True, True)
    assert reading.mood_reader == VERSION
    request = "发票抬头需要修改成公司名称"
    assert read_text(request).label == analyse(request).label
    assert read_text("冬季续航缩水严重，是不是电池有问题？").negative  # a complaint, not a question

    use_mood_reader("cues", None)
    assert read_text("Thanks, great service!").label is None


def test_factors_explain_the_reading() -> None:
    factors = {f.name: f for f in read_text("冬季续航缩水严重").factors()}
    assert factors["topic"].value == "battery_range"
    assert factors["topic"].description == "续航, 缩水"
    assert factors["sentiment"].value < 0
