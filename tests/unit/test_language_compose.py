"""Messages carry what the sender wants said, addressed to the recipient — never the
instruction itself ("给谢晓峰发个微信，告诉他…" is not what 谢晓峰 should read)."""

from __future__ import annotations

import pytest

from kith.language.compose import compose_message, message_content
from kith.language.intents import split_clauses


@pytest.mark.parametrize(
    ("clause", "lang", "recipient", "message"),
    [
        ("给谢晓峰发个微信，告诉他试驾车周四到", "zh", "谢晓峰", "谢晓峰您好，试驾车周四到。"),
        ("发短信给王总说合同已寄出", "zh", "王总", "王总您好，合同已寄出。"),
        ("微信通知张三明天上午来取车", "zh", "张三", "张三您好，明天上午来取车。"),
        ("给李海燕发微信告诉她她的车已经修好了", "zh", "李海燕", "李海燕您好，您的车已经修好了。"),
        (
            "Text Chloe Taylor and let her know her car is ready",
            "en",
            "Chloe Taylor",
            "Hi Chloe Taylor, your car is ready.",
        ),
        ("Send Tom Becker an SMS saying the invoice was sent", "en", "Tom Becker",
         "Hi Tom Becker, the invoice was sent."),
        ("WeChat Mr. Zhang that he is approved", "en", "Mr. Zhang",
         "Dear Mr. Zhang, you are approved."),
    ],
)  # fmt: skip
def test_the_message_is_the_content_not_the_instruction(
    clause: str, lang: str, recipient: str, message: str
) -> None:
    content = message_content(clause, lang, recipient)
    assert content is not None
    assert compose_message(content, lang, recipient, quoted=False) == message


def test_quoted_words_are_sent_as_written() -> None:
    clause = '给谢晓峰发微信："周四见，带上行驶证"'
    content = message_content(clause, "zh", "谢晓峰")
    assert compose_message(content or "", "zh", "谢晓峰", quoted=True) == "周四见，带上行驶证"


@pytest.mark.parametrize("clause", ["发个微信给刘洋", "Send Tom a WeChat"])
def test_no_content_means_no_invented_message(clause: str) -> None:
    assert message_content(clause, "zh" if "微信" in clause else "en", None) is None


def test_what_to_tell_the_person_just_addressed_stays_in_the_same_clause() -> None:
    text = "Send Zhang Jianguo a WeChat and let him know the shipment arrives Friday"
    assert len(split_clauses(text, "en")) == 1
    two = "Send Zhang Jianguo a WeChat and create a task to call him tomorrow"
    assert len(split_clauses(two, "en")) == 2
