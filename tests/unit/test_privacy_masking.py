"""PII detection and masking for Chinese and English text: real-format positives,
look-alike negatives, and the labelled set ``bench/bench_privacy.py`` scores
(precision and recall per label). Cases marked ``hard`` are known limits: the
bench counts them, the tests below do not pretend they pass."""

from __future__ import annotations

from typing import NamedTuple

import pytest

from kith.crm.masking import (
    Masker,
    detect,
    id_checksum_ok,
    luhn_ok,
    mask_text,
    pseudonymise,
    restore,
)


class Case(NamedTuple):
    text: str
    expected: tuple[tuple[str, str], ...]  # (label, exact matched text)
    hard: bool = False


CASES: tuple[Case, ...] = (
    # --- positives, Chinese context ---------------------------------------------------
    Case("张总手机13812345678，明天联系", (("PHONE", "13812345678"),)),
    Case("客户电话：+86 139-1234-5678。", (("PHONE", "+86 139-1234-5678"),)),
    Case("回拨 138 1234 5678 即可", (("PHONE", "138 1234 5678"),)),
    Case("座机010-88886666转分机", (("PHONE", "010-88886666"),)),
    Case("深圳办公室 0755-8888 1234", (("PHONE", "0755-8888 1234"),)),
    Case("上海总部(021)6234 5678", (("PHONE", "(021)6234 5678"),)),
    Case("香港同事 +852 9123 4567", (("PHONE", "+852 9123 4567"),)),
    Case("邮箱lin.xiaowen@mail.example.com请查收", (("EMAIL", "lin.xiaowen@mail.example.com"),)),
    Case("身份证号11010519491231002X已核验", (("ID_CN", "11010519491231002X"),)),
    Case("证件号码：310115199003071239", (("ID_CN", "310115199003071239"),)),
    Case("身份证510107200011156729，户籍成都", (("ID_CN", "510107200011156729"),)),
    Case("id 33010619780228401x lower case", (("ID_CN", "33010619780228401x"),)),
    Case("卡号6222021234567890128，开户行工行", (("BANK_CARD", "6222021234567890128"),)),
    Case("退款到 6217 0012 3456 7893", (("BANK_CARD", "6217 0012 3456 7893"),)),
    Case("信用卡4367-4200-1234-5673到期", (("BANK_CARD", "4367-4200-1234-5673"),)),
    Case("护照号码：E12345678，签发地上海", (("PASSPORT", "E12345678"),)),
    Case("新版护照EA1234567有效", (("PASSPORT", "EA1234567"),)),
    Case(
        "林晓雯，手机19912345678，邮箱 lxw@corp.cn，身份证44030419851023561X",
        (
            ("PHONE", "19912345678"),
            ("EMAIL", "lxw@corp.cn"),
            ("ID_CN", "44030419851023561X"),
        ),
    ),
    # --- positives, English context ---------------------------------------------------
    Case("Call me at +1 415-555-2671 tomorrow", (("PHONE", "+1 415-555-2671"),)),
    Case("London office: +44 20 7946 0958.", (("PHONE", "+44 20 7946 0958"),)),
    Case(
        "Email john.smith+crm@example.co.uk for details",
        (("EMAIL", "john.smith+crm@example.co.uk"),),
    ),
    Case("Card 4111 1111 1111 1111 was declined", (("BANK_CARD", "4111 1111 1111 1111"),)),
    Case("Mastercard 5500000000000004 on file", (("BANK_CARD", "5500000000000004"),)),
    Case("Passport No. 533380006, issued 2019", (("PASSPORT", "533380006"),)),
    Case("passport: K1234567 (UK)", (("PASSPORT", "K1234567"),)),
    # --- look-alikes that are not personal identifiers ----------------------------------
    Case("订单号SO-2026-0001，金额13800元", ()),
    Case("记录 0190ab1234567890123456cdef012345 已更新", ()),
    Case("车架号LSVAU2180N2183294进店保养", ()),
    Case("时间戳1763718000，日期2026-11-21", ()),
    Case("发票号码12345678，税额 1,380,000.00", ()),
    Case("App 版本 5.2.1，IP 192.168.1.10", ()),
    Case("ISBN 9787111213826 的图书", ()),
    Case("身份证号110101199003071234（校验位错误）", ()),
    Case("流水号2026112112345678", ()),
    Case("客服热线95588，工号 20261121", ()),
    Case("tracking SF1234567890123 shipped", ()),
    Case("Order 14012345678 ships Monday", ()),
    Case("The meeting is in room 1203, floor 12", ()),
    Case("price $1,299.00 for 3 units", ()),
    # --- hard cases: known limits ------------------------------------------------------------
    Case("订单号6225887654321013已发货", (), hard=True),  # Luhn-valid order number
    Case("手机一三八一二三四五六七八", (("PHONE", "一三八一二三四五六七八"),), hard=True),
    Case("write to lin at mail dot com", (("EMAIL", "lin at mail dot com"),), hard=True),
    Case("400-820-8820 是客服热线", (), hard=True),  # a valid number, but a company's
)


def found(text: str) -> tuple[tuple[str, str], ...]:
    return tuple((s.label, s.text) for s in detect(text))


@pytest.mark.parametrize("case", [c for c in CASES if not c.hard], ids=lambda c: c.text[:24])
def test_labelled_cases(case: Case) -> None:
    assert found(case.text) == case.expected


def test_checksums() -> None:
    assert id_checksum_ok("11010519491231002X") and id_checksum_ok("11010519491231002x")
    assert not id_checksum_ok("110101199003071234")
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")


def test_masking_errs_toward_masking_while_detection_needs_the_checksum() -> None:
    text = "身份证110101199003071234，卡号6222021234567890123"
    assert found(text) == ()
    assert mask_text(text) == "身份证110***********1234，卡号****0123"


def test_masked_forms_keep_text_readable() -> None:
    text = "请联系 +44 20 7946 0958 或 lxw@corp.cn，护照E12345678，电话010-88886666"
    assert mask_text(text) == "请联系 ****0958 或 l***@corp.cn，护照E******78，电话****6666"


def test_known_names_from_the_crm_are_masked() -> None:
    known = ["林晓雯", "上海市浦东新区张江路88号"]
    assert mask_text("林晓雯住在上海市浦东新区张江路88号", known=known) == "***住在***"


def test_placeholders_round_trip_through_a_model_reply() -> None:
    text = "林晓雯的手机13812345678，再次确认13812345678，邮箱lxw@corp.cn"
    p = pseudonymise(text, known=["林晓雯"])
    assert "13812345678" not in p.text and "林晓雯" not in p.text
    assert p.text.count("⟦PHONE_1⟧") == 2 and "⟦EMAIL_1⟧" in p.text
    reply = "已给⟦KNOWN_1⟧发短信到⟦PHONE_1⟧"
    assert restore(reply, p.mapping) == "已给林晓雯发短信到13812345678"


# --- the model-conversation masker (folded in from the agents' own module) ----------------


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


def test_placeholders_persist_across_calls_of_one_conversation() -> None:
    masker = Masker({"private_mobile": "13912345678"})
    first = masker.mask("回电 13912345678")
    second = masker.mask("再打 13912345678 或 13812345678")
    assert first == "回电 <MOBILE_1>" and second == "再打 <MOBILE_1> 或 <PHONE_1>"


def test_vins_are_masked_for_models_but_not_reported_as_personal_identifiers() -> None:
    text = "车架号LSVAU2180N2183294进店保养"
    assert found(text) == ()
    assert [s.label for s in detect(text, vehicles=True)] == ["VIN"]
    assert Masker().mask(text) == "车架号<VIN_1>进店保养"
