"""Log an outbound interaction (a call, a visit, a WeChat message)."""

from __future__ import annotations

import re

from kith.language.builders.context import BuildContext
from kith.language.intents import IntentHit
from kith.language.lexicon import (
    after_colon,
)


def build_log(ctx: BuildContext, hit: IntentHit) -> None:
    contact = ctx.contact(hit)
    clause = hit.clause.text
    channel = (
        "wechat"
        if re.search(r"微信|wechat", clause, re.I)
        else ("other" if re.search(r"见面|拜访|met|visit", clause, re.I) else "phone")
    )
    text = after_colon(ctx.plan.text[hit.clause.start :]) or ctx.plan.text[hit.clause.start :]
    ctx.new_step(
        "interactions.log",
        {
            "channel": channel,
            "direction": "outbound",
            "text": text,
            "contact_id": contact.record_id if contact else None,
            "account_id": ctx.account_id(hit),
        },
        [],
        "log",
    )
