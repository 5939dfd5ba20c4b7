"""Send a message to a contact over e-mail, SMS, WeChat or app push."""

from __future__ import annotations

import re
from typing import Any

from kith.language.builders.context import BuildContext
from kith.language.intents import IntentHit
from kith.language.lexicon import (
    message_body,
)


def build_send(ctx: BuildContext, hit: IntentHit) -> None:
    clause = hit.clause.text.lower()
    channel = "email"
    if re.search(r"短信|sms|\btext\b", clause):
        channel = "sms"
    elif re.search(r"微信|wechat", clause):
        channel = "wechat"
    elif re.search(r"推送|push", clause):
        channel = "app_push"
    contact = ctx.contact(hit)
    body = message_body(hit.clause.text) or ctx.context_text() or hit.clause.text
    args: dict[str, Any] = {
        "channel": channel,
        "body": body,
        "contact_id": contact.record_id if contact else None,
    }
    if channel == "email":
        args["subject"] = ctx.subject_of(hit, ctx.topic_title() if ctx.topic else body[:60])
    ctx.new_step("messages.send", args, ctx.deps(), "send")
