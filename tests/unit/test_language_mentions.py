"""A one-character honorific after a surname-like character is a title only when it does
not start an ordinary word: 赢单总额 mentions no 单总, 处理工单 no 理工."""

from __future__ import annotations

import pytest

from kith.language.names import starts_a_word


@pytest.mark.parametrize(
    ("text", "honorific", "end", "word"),
    [
        ("今年赢单总额", "总", 5, True),  # 单总|额
        ("一共有多少个工单", "工", 7, True),  # 个工|单
        ("召开董事会", "董", 3, True),
        ("给张总打电话", "总", 3, False),
        ("约李工明天", "工", 3, False),
        ("通知王总", "总", 4, False),  # at the end of the text
    ],
)
def test_honorific_or_word(text: str, honorific: str, end: int, word: bool) -> None:
    assert text[end - 1] == honorific
    assert starts_a_word(text, honorific, end) is word
