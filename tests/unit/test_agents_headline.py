"""The subject of a ticket opened from a message: its first sentence, short."""

from __future__ import annotations

import pytest

from kith.agents.builtin.headline import HEADLINE_LIMIT, headline

LONG_ZH = (
    "我的车从上周开始每天早上启动的时候仪表盘都会出现一个黄色的电池警告灯"
    "然后过一会儿又自己消失了我去了两次服务站他们都说没有问题"
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "冬季续航缩水严重，从 500 公里掉到 300 公里。充电也变慢了，请尽快处理！",
            "冬季续航缩水严重，从 500 公里掉到 300 公里",
        ),
        ("My car lost 40% of its range. What should I do?", "My car lost 40% of its range"),
        ("请问充电桩怎么申请安装？三天了还没人回。", "请问充电桩怎么申请安装？"),
        ("您好！我的车充不进电了。", "我的车充不进电了"),  # the greeting is skipped
        ("Hi,\n\nthe app keeps  logging me out", "the app keeps logging me out"),
        ("Charging at 3.5 kW since the update", "Charging at 3.5 kW since the update"),
        ("好的。", "好的"),
        ("", ""),
    ],
)
def test_the_subject_is_the_first_sentence(text: str, expected: str) -> None:
    assert headline(text) == expected


def test_a_long_sentence_is_cut_at_a_clause_or_word_with_an_ellipsis() -> None:
    english = (
        "Why does the app keep logging me out after every single update, "
        "and why does nobody answer my emails about it?"
    )
    assert headline(english) == "Why does the app keep logging me out after every single…"
    assert headline(LONG_ZH) == LONG_ZH[: HEADLINE_LIMIT - 1] + "…"
    clauses = (
        "充电桩安装申请已经提交了很久，工程师一直没有上门勘测，客服电话也打不通，"
        "App 里的进度一直显示审核中，已经过去整整三个星期了没有任何变化"
    )
    assert headline(clauses) == (
        "充电桩安装申请已经提交了很久，工程师一直没有上门勘测，客服电话也打不通，"
        "App 里的进度一直显示审核中…"
    )
    for text in (english, LONG_ZH, clauses):
        assert len(headline(text)) <= HEADLINE_LIMIT
