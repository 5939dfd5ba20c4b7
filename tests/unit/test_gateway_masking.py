"""PII masking of decision snapshots: identifiers in free text, sensitive fields whole."""

from __future__ import annotations

from kith.crm.masking import MASK, mask_text, mask_value


def test_identifiers_next_to_chinese_text_are_masked() -> None:
    text = (
        "张总手机13812345678，邮箱zhang.wei@shunda.cn，"
        "身份证11010119900307123X，卡号6222021234567890123。"
    )
    assert mask_text(text) == (
        "张总手机138****5678，邮箱z***@shunda.cn，身份证110***********123X，卡号****0123。"
    )


def test_grouped_numbers_and_country_prefixes_are_masked() -> None:
    assert mask_text("call +86 139-1234-5678") == "call 139****5678"
    assert mask_text("card 6222 0212 3456 7890") == "card ****7890"


def test_digits_inside_record_ids_and_short_numbers_stay() -> None:
    record_id = "0190ab1234567890123456cdef012345"
    text = f"deal {record_id} worth 13800 CNY, order SO-2026-0001"
    assert mask_text(text) == text


def test_sensitive_keys_are_blanked_anywhere_in_a_snapshot() -> None:
    snapshot = {
        "object_type": "contact",
        "values": {"name": "王芳", "id_number": "110101199003071234", "bank_account": ""},
        "lines": [{"note": "tel 13900001111"}],
    }
    assert mask_value(snapshot) == {
        "object_type": "contact",
        "values": {"name": "王芳", "id_number": MASK, "bank_account": ""},
        "lines": [{"note": "tel 139****1111"}],
    }
