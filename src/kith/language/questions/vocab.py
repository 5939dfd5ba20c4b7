"""The words questions filter by: where a deal or lead came from, a ticket's priority and
category, an account's industry, a contact's role, a channel and a direction. Each maps
to a ``field:op:value`` filter on a stored value (never SQL)."""

from __future__ import annotations

import re

from kith.language.lexicon import TICKET_CATEGORIES

# (pattern, stored value) — deals.source / leads.source
SOURCES: tuple[tuple[str, str], ...] = (
    (r"展会|展览|trade[- ]?shows?|exhibitions?|expos?\b", "展会"),
    (r"招标|tenders?|bids? notices?", "招标公告"),
    (r"客户推荐|转介绍|referrals?|referred", "客户推荐"),
    (r"复购|回头客|repeat (?:customers?|business|purchases?)", "老客户复购"),
    (r"官网|网站表单|website|web form", "官网表单"),
    (r"合作伙伴|渠道伙伴|partners?\b", "合作伙伴"),
    (r"电话营销|电销|cold[- ]call|telemarketing|telesales", "电话营销"),
    (r"公众号|official account", "微信公众号"),
)
INDUSTRIES: tuple[tuple[str, str], ...] = (
    (r"医疗器械|medical[- ]devices?|medtech", "medical_devices"),
    (r"物流|快运|logistics|freight|shipping compan", "logistics"),
    (r"医院|医疗行业|hospitals?|healthcare|clinics?", "healthcare"),
    (r"汽车|车企|automotive|car dealers?", "automotive"),
    (r"零售|电商|retail|e-?commerce", "retail"),
    (r"制造|工厂|manufactur", "manufacturing"),
)
CHANNELS: tuple[tuple[str, str], ...] = (
    (r"微信|wechat", "wechat"),
    (r"邮件|e-?mails?", "email"),
    (r"短信|\bsms\b|\btexts?\b", "sms"),
    (r"电话|来电|calls?\b|phone", "phone"),
    (r"页面|网页|官网|浏览|看了|web ?(?:page|visit)s?|page views?|viewed", "web"),
)
INBOUND = re.compile(
    r"给我们发|发给我们|来电|打来|发来|收到|inbound|incoming|received|did we get|got from|sent us",
    re.I,
)
OUTBOUND = re.compile(r"我们发给|发出|outbound|outgoing|did we send|we sent", re.I)
LISTING = re.compile(
    r"哪些|哪个|哪几|哪家|都有谁|是谁|有谁|列出|列一下|清单|名单|\bwhich\b|\blist\b|\bshow\b"
    r"|\bwhat (?:deals|tickets|tasks|accounts|customers|leads|contacts)\b",
    re.I,
)
AVERAGE = re.compile(r"平均|均值|average|\bavg\b|\bmean\b", re.I)
CNY_ONLY = re.compile(
    r"只算人民币|人民币的|仅人民币|in (?:RMB|CNY)\b|(?:RMB|CNY) only|only (?:RMB|CNY)", re.I
)


def first_value(text: str, table: tuple[tuple[str, str], ...]) -> str | None:
    for pattern, value in table:
        if re.search(pattern, text, re.I):
            return value
    return None


def source_filters(text: str) -> list[str]:
    if not re.search(r"来自|来源|渠道|通过|从|\bfrom\b|sourced|source|\bvia\b|through", text, re.I):
        return []
    value = first_value(text, SOURCES)
    return [f"source:eq:{value}"] if value else []


def ticket_filters(text: str) -> list[str]:
    """Priority and category of the tickets asked about."""
    out: list[str] = []
    if re.search(r"高优先级|优先级(?:为|是)?高|high[- ]priority|priority (?:is )?high", text, re.I):
        out.append("priority:eq:high")
    elif re.search(r"低优先级|优先级(?:为|是)?低|low[- ]priority", text, re.I):
        out.append("priority:eq:low")
    categories = [c for pattern, c in TICKET_CATEGORIES if re.search(pattern, text, re.I)]
    if categories:
        out.append(f"category:in:{','.join(dict.fromkeys(categories))}")
    return out
