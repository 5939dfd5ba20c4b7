"""Log an outbound interaction (a call, a visit, a WeChat message)."""

from __future__ import annotations

import re

from kith.language.builders.context import BuildContext
from kith.language.intents import IntentHit
from kith.language.lexicon import (
    after_colon,
)

INBOUND = re.compile(
    r"来了?电话|来电|打来|电话来|发来|(?:打|发)[^，,。]{0,6}过来|^[^给向，,。]{1,12}?发了?(?:一?[条封个])?"
    r"(?:微信|邮件|短信|消息)|来了(?:一?[条封个])?(?:微信|邮件|短信|消息)|收到"
    r"|\b(?:from|inbound|incoming|received|got)\b|\b(?:called|rang|emailed|texted) (?:me|us|in)\b",
    re.I,
)


def channel_of(clause: str) -> str:
    """The channel a logged interaction went through."""
    for pattern, channel in (
        (r"微信|wechat", "wechat"),
        (r"邮件|e-?mail", "email"),
        (r"短信|\bsms\b|\btext\b", "sms"),
        (r"见面|拜访|面谈|\bmet\b|\bvisit|in person", "other"),
    ):
        if re.search(pattern, clause, re.I):
            return channel
    return "phone"


def build_log(ctx: BuildContext, hit: IntentHit) -> None:
    contact = ctx.contact(hit)
    clause = hit.clause.text
    channel = channel_of(clause)
    direction = "outbound"
    if not re.search(r"\boutbound\b|\boutgoing\b", clause, re.I) and INBOUND.search(clause):
        direction = "inbound"
    text = after_colon(ctx.plan.text[hit.clause.start :]) or ctx.plan.text[hit.clause.start :]
    ctx.new_step(
        "interactions.log",
        {
            "channel": channel,
            "direction": direction,
            "text": text,
            "contact_id": contact.record_id if contact else None,
            "account_id": ctx.account_id(hit),
        },
        [],
        "log",
    )
