"""Readable names for model features and agent factors, zh-CN and en.

The decision passport and the scores panel show factors by these labels; a
name not listed (a column of a user's own table) is shown made readable
(``days_since_contact`` -> "Days since contact") rather than hidden.
"""

from __future__ import annotations

FACTOR_LABELS: dict[str, tuple[str, str]] = {
    # built-in models (kith.intelligence.scoring.builtin)
    "amount": ("金额", "Amount"),
    "source": ("来源", "Source"),
    "pipeline": ("销售管道", "Pipeline"),
    "industry": ("行业", "Industry"),
    "tier": ("客户等级", "Tier"),
    "employees": ("员工数", "Employees"),
    "owner": ("负责人", "Owner"),
    "activities": ("活动数", "Activities"),
    "meetings": ("会议数", "Meetings"),
    "interactions": ("沟通次数", "Interactions"),
    "deal_sentiment": ("沟通情绪均值", "Mean sentiment of its messages"),
    "has_email": ("有邮箱", "Has an email"),
    "has_phone": ("有电话", "Has a phone"),
    "need_length": ("需求描述长度", "Length of the stated need"),
    "senior_title": ("高级职位", "Senior title"),
    "language": ("语言", "Language"),
    "days_since_contact": ("距上次联系天数", "Days since last contact"),
    "interactions_90d": ("近 90 天沟通次数", "Interactions in 90 days"),
    "negative_share": ("负面来信占比", "Share of negative messages"),
    "orders": ("订单数", "Orders"),
    "spend": ("消费金额", "Spend"),
    "tickets": ("工单数", "Tickets"),
    # factors the built-in agents weigh
    "churn_score": ("流失风险评分", "Churn score"),
    "customer_complained": ("客户已投诉", "Customer complained"),
    "fleet_conclusion": ("车队分析结论", "Fleet analysis conclusion"),
    "sentiment": ("情绪", "Sentiment"),
    "topic": ("话题", "Topic"),
}


def readable(name: str) -> str:
    """``days_since_contact`` -> ``Days since contact`` (the fallback in both languages)."""
    text = name.replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:] if text else name


def factor_label(name: str, lang: str) -> str:
    pair = FACTOR_LABELS.get(name)
    if pair is None:
        return readable(name)
    return pair[1] if lang == "en" else pair[0]
