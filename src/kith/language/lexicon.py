"""Words and patterns the planner's builders and the question parsers share.

Topic words (en → zh keywords to look for in interactions), stage aliases, amounts,
quoted text, e-mail addresses and phone numbers, and the small text helpers built on
them. Pure functions over text: no database, no planner.
"""

from __future__ import annotations

import re
from decimal import Decimal

from kith.language.timeparse import TimeMention

TOPIC_EN_ZH: dict[str, tuple[str, ...]] = {
    "logistics delay": ("物流延迟", "物流延误", "发货延迟", "交付延迟", "logistics delay"),
    "delivery delay": ("交付延迟", "延迟交付", "物流延迟", "delivery delay"),
    "shipping delay": ("发货延迟", "物流延迟", "shipping delay"),
    "battery": ("电池", "battery"),
    "range": ("续航", "range"),
    "invoice": ("发票", "invoice"),
    "payment": ("付款", "账期", "payment"),
    "warranty": ("质保", "保修", "warranty"),
    "price": ("价格", "报价", "price"),
    "quality": ("质量", "quality"),
    "charging": ("充电", "charging"),
    "bluetooth": ("蓝牙", "bluetooth"),
}
TOPIC_ZH = re.compile(
    r"(?:上次|之前|上回|刚才|最近|上一次)(?:[\u4e00-\u9fff]{0,3})?(?:提到|提过|说|说过|反映|反映过|提出|投诉|讲)的?"
    r"(?P<topic>[\u4e00-\u9fffA-Za-z0-9]{2,12}?)(?:问题|事情|事|情况|需求|那件事|投诉)"
)
TOPIC_ZH_SIMPLE = re.compile(r"(?P<topic>[\u4e00-\u9fff]{2,8}?)(?:问题|事情|情况)")
TOPIC_EN = re.compile(
    r"(?:the\s+)?(?P<topic>[a-z][a-z -]{2,40}?)\s+(?:issue|problem|complaint|concern)s?\b"
    r"(?=[^;]{0,60}\b(?:mentioned|raised|brought up|reported|complained)\b)",
    re.IGNORECASE,
)
LAST_TIME = re.compile(r"上次|之前|上回|上一次|last time|previously|mentioned|raised", re.I)
THREE_PARTY = re.compile(r"三方|three[- ]party|three[- ]way", re.I)
AMOUNT = re.compile(
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|[一二两三四五六七八九十百千万]+)\s*"
    r"(?P<unit>万|千|元|块|yuan|rmb|cny|¥|million\b|k\b)"
    r"|[¥￥]\s*(?P<num2>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)",
    re.IGNORECASE,
)
# the words people use for a kind of ticket → the ticket categories of the catalog
TICKET_CATEGORIES: tuple[tuple[str, str], ...] = (
    (r"billing|invoice|发票|账单|开票|付款|账期|计费", "billing"),
    (r"\bOTA\b|software|车机|软件|蓝牙|升级失败", "software_ota"),
    (r"battery|\brange\b|电池|续航", "battery_range"),
    (r"logistics|shipping|delivery delay|物流|到货|发货|配送", "logistics_delay"),
    (r"complaint|投诉", "complaint"),
)
QUOTED = re.compile(r"[“\"「『](?P<q>[^”\"」』]{1,500})[”\"」』]")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}|\b0\d{2,3}-\d{7,8}\b")
STAGE_ALIASES_EN: dict[str, tuple[str, ...]] = {
    "qualification": ("线索确认",),
    "needs analysis": ("需求分析",),
    "analysis": ("需求分析",),
    "demo": ("方案演示",),
    "solution demo": ("方案演示",),
    "test drive": ("试驾评估",),
    "negotiation": ("商务谈判", "合同谈判"),
    "won": ("赢单", "中标"),
    "lost": ("输单", "未中标"),
    "research": ("需求调研",),
    "tender": ("招标准备",),
    "bidding": ("投标",),
}
STAGE_LABELS_EN: dict[str, str] = {
    "线索确认": "Qualification",
    "需求分析": "Needs analysis",
    "方案演示": "Solution demo",
    "试驾评估": "Test drive",
    "商务谈判": "Negotiation",
    "合同谈判": "Contract negotiation",
    "赢单": "Won",
    "中标": "Won (tender)",
    "输单": "Lost",
    "未中标": "Lost (tender)",
    "需求调研": "Research",
    "招标准备": "Tender preparation",
    "投标": "Bidding",
}
"""English names of the demo pipelines' stages, for answers given in English."""
STAGE_ALIASES_ZH: dict[str, tuple[str, ...]] = {
    "赢单": ("赢单", "中标"),
    "中标": ("中标", "赢单"),
    "输单": ("输单", "未中标"),
    "丢单": ("输单", "未中标"),
    "未中标": ("未中标", "输单"),
    "演示": ("方案演示",),
    "谈判": ("商务谈判", "合同谈判"),
    "试驾": ("试驾评估",),
    "投标": ("投标",),
}


def parse_amount(text: str) -> Decimal | None:
    m = AMOUNT.search(text)
    if m is None:
        return None
    raw = (m.group("num") or m.group("num2")).replace(",", "")
    unit = (m.group("unit") or "").lower()
    from kith.language.timeparse import cn_number

    number: Decimal | None
    try:
        number = Decimal(raw)
    except ArithmeticError:
        value = cn_number(raw.replace("万", "").replace("千", ""))
        number = Decimal(value) if value is not None else None
    if number is None:
        return None
    if unit == "million":
        number *= 1_000_000
    elif unit == "k":
        number *= 1_000
    elif unit == "万":
        number *= 10_000
    elif unit == "千":
        number *= 1_000
    return number


def after_colon(text: str) -> str | None:
    for sep in ("：", ":", "说", "saying", "that "):
        if sep in text:
            tail = text.split(sep, 1)[1].strip(" ，,。")
            if len(tail) >= 2:
                return tail
    return None


def message_body(text: str) -> str | None:
    q = QUOTED.search(text)
    if q:
        return q.group("q")
    return after_colon(text)


def task_subject(clause: str, times: list[TimeMention], lang: str) -> str:
    subject = clause
    for t in times:
        subject = subject.replace(t.text, "")
    subject = re.sub(
        r"^(?:请|帮我|麻烦|提醒我|提醒|please|remind me to|remind me|create a task to)\s*",
        "",
        subject.strip(),
        flags=re.I,
    )
    return subject.strip(" ，,。.") or ("跟进" if lang == "zh" else "Follow up")


def ticket_subject(text: str, topic: str | None, lang: str) -> str:
    q = QUOTED.search(text)
    if q:
        return q.group("q")
    m = re.search(r"(?:关于|about|for)\s*([^，,。.]{2,60})", text, re.I)
    if m:
        return m.group(1).strip()
    if topic:
        return topic
    return "客户问题" if lang == "zh" else "Customer issue"
