"""The failure classes of issue 14's independent set, as rules a user relies on: deals
named by description, logged interactions, telling colleagues, channels, ticket fields,
short and corrected times. Pure functions and the intent rules; no database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kith.language.builders.log import INBOUND, channel_of
from kith.language.builders.ticket_create import category_of, priority_of, severity_of
from kith.language.dealdesc import account_stems, describe, fits
from kith.language.intents import find_intents
from kith.language.timeparse import TimeParser

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # Friday 10:00 in Shanghai


def _fits(text: str, name: str) -> bool:
    return fits(name, describe(text, 0, len(text)))


def test_a_deal_is_told_apart_by_quantity_model_phase_and_product() -> None:
    assert _fits("华泰那个25台V9的单子", "华泰物流 · 25台V9电动物流车")
    assert not _fits("华泰那个25台V9的单子", "华泰物流 · 12台V9电动物流车")
    assert not _fits("华泰的E7单子", "华泰物流 · 25台V9电动物流车")
    assert _fits("the Huatai 25-van deal", "华泰物流 · 25台V9电动物流车")
    assert _fits("华泰三期", "华泰物流 · 三期40台冷链车")
    assert _fits("Huatai phase 3", "华泰物流 · 三期40台冷链车")
    assert not _fits("华泰二期", "华泰物流 · 三期40台冷链车")
    assert _fits("the cold-chain deal", "华泰物流 · 三期40台冷链车")
    assert describe("把华泰的商机推进一下", 0, 9).empty  # a deal word alone describes nothing


def test_a_company_is_known_by_the_first_two_characters_and_their_pinyin() -> None:
    stems = account_stems(
        [("上海华泰物流有限公司", "华泰物流"), ("长风汽车", "长风汽车"), ("长风医疗", "长风医疗")],
        lambda text: {"华泰": "huatai"}.get(text, "x"),
    )
    assert stems["上海华泰物流有限公司"] == ("华泰", "Huatai")
    assert "长风汽车" not in stems  # two companies share 长风: neither is known by it


@pytest.mark.parametrize(
    ("text", "channel", "inbound"),
    [
        ("孙浩刚打来电话，问保养的事", "phone", True),
        ("孙浩上午发短信说车到了，登记一下", "sms", True),
        ("收到孙浩的微信，说车到了", "wechat", True),
        ("log an incoming email from Ada Brown", "email", True),
        ("Log an outbound email to Ada Brown", "email", False),
        ("给孙浩打了个电话，电话记录：合同下周寄", "phone", False),
    ],
)
def test_a_logged_interaction_has_its_channel_and_direction(
    text: str, channel: str, inbound: bool
) -> None:
    assert channel_of(text) == channel
    outbound_said = "outbound" in text.lower()
    assert (bool(INBOUND.search(text)) and not outbound_said) is inbound


@pytest.mark.parametrize(
    ("text", "priority", "severity", "category"),
    [
        ("给孙浩开个工单，优先级设高，充电口松了", "high", None, None),
        ("开个紧急工单", "urgent", None, None),
        ("create a billing ticket for Ada Brown, severity s2", "normal", "s2", "billing"),
        ("给孙浩开个续航工单，低优先级", "low", None, "battery_range"),
    ],
)
def test_ticket_fields_are_read_from_the_sentence(
    text: str, priority: str, severity: str | None, category: str | None
) -> None:
    assert priority_of(text) == priority
    assert severity_of(text) == severity
    assert category_of(text) == category


@pytest.mark.parametrize(
    ("text", "lang", "intents"),
    [
        ("孙浩来电话说充电桩坏了，帮我记下来", "zh", ["log"]),
        ("孙浩昨晚发邮件说要改合同，记录一下", "zh", ["log"]),
        ("Log an incoming WeChat from Ada Brown: she wants a quote", "en", ["log"]),
        ("跟王强讲一声，华泰的车周五到", "zh", ["share"]),
        ("ping Li Na that Huatai wants a discount", "en", ["share"]),
        ("在小程序里给孙浩推送冬季保养活动", "zh", ["send"]),
        ("push an app notification to Ada Brown: her car is ready", "en", ["send"]),
        ("给孙浩开个电池工单，指派给我", "zh", ["ticket_create"]),
        ("备注一下：下周去拜访华泰", "zh", ["note"]),  # what is written down is no meeting
        ("给孙浩发个微信，问问他要不要预约保养", "zh", ["send"]),
        ("约孙浩周三下午三点见面，不对，改成周四同一时间", "zh", ["meeting"]),
    ],
)
def test_the_intent_meant_is_planned(text: str, lang: str, intents: list[str]) -> None:
    assert [h.rule.name for h in find_intents(text, lang)] == intents


def _one(text: str, lang: str) -> str:
    (mention,) = TimeParser(NOW).find(text, lang)
    return mention.start.isoformat()[:16]


def test_short_relative_times_and_an_hour_before_its_day() -> None:
    assert _one("半小时后提醒我", "zh") == "2026-11-20T10:30"
    assert _one("一个半小时后提醒我", "zh") == "2026-11-20T11:30"
    assert _one("remind me in 20 minutes", "en") == "2026-11-20T10:20"
    assert _one("call her at 9 tomorrow", "en") == "2026-11-21T09:00"
    assert _one("call her at 3 tomorrow", "en") == "2026-11-21T15:00"


def test_a_corrected_time_replaces_the_first_and_keeps_its_clock() -> None:
    assert _one("周三下午两点见面，不对，改成周四同一时间", "zh") == "2026-11-26T14:00"
    assert _one("周三下午两点见面，不对，改成周四上午十点", "zh") == "2026-11-26T10:00"
