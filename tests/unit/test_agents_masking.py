"""What a language model sees is masked; what comes back is restored."""

from __future__ import annotations

from kith.agents.masking import Masker


def test_known_values_and_identifiers_become_placeholders_and_come_back() -> None:
    masker = Masker({"private_name": "陈晓峰", "private_email": "chen@example.cn"})
    text = (
        "陈晓峰（手机13912345678，身份证110101199003071234，邮箱chen@example.cn，"
        "卡号6222021234567890128，VIN LHCE7HRB000000001）反馈冬季续航缩水严重"
    )
    masked = masker.mask(text)
    for secret in (
        "陈晓峰",
        "13912345678",
        "110101199003071234",
        "chen@example.cn",
        "6222021234567890128",
        "LHCE7HRB000000001",
    ):
        assert secret not in masked
    assert "冬季续航缩水严重" in masked and "<NAME_1>" in masked and "<EMAIL_1>" in masked
    assert masker.restore(masked) == text


def test_the_same_value_keeps_one_placeholder_and_nested_replies_are_restored() -> None:
    masker = Masker()
    masked = masker.mask("call 13912345678 or +86 139 1234 5678; again 13912345678")
    assert masked.count("<PHONE_1>") == 2 and "<PHONE_2>" in masked
    reply = {"args": ["<PHONE_1>", {"to": "<PHONE_2>"}], "n": 3}
    assert masker.restore_value(reply) == {
        "args": ["13912345678", {"to": "+86 139 1234 5678"}],
        "n": 3,
    }


def test_numbers_that_are_not_cards_or_phones_stay() -> None:
    masker = Masker()
    text = "订单 20261121000124 金额 1234567890123 元，续航 520 公里"
    assert masker.mask(text) == text
