"""Send a message to a contact over e-mail, SMS, WeChat or app push."""

from __future__ import annotations

import re
from typing import Any

from kith.language.builders.context import BuildContext
from kith.language.compose import compose_message, message_content
from kith.language.intents import IntentHit
from kith.language.lexicon import EMAIL, PHONE, QUOTED
from kith.language.resolve import Entry

FORM_OF_ADDRESS = re.compile(r"总|经理|主任|院长|老师|先生|女士|^(?:Mr|Mrs|Ms|Dr)\.?\s")


def build_send(ctx: BuildContext, hit: IntentHit) -> None:
    clause = hit.clause.text.lower()
    channel = "email"
    if re.search(r"短信|sms|\btext\b", clause):
        channel = "sms"
    elif re.search(r"微信|wechat", clause):
        channel = "wechat"
    elif re.search(r"推送|push|小程序|app\s*(?:notification|通知|消息)", clause):
        channel = "app_push"
    contact = ctx.contact(hit)
    if contact is None and not _someone_named(ctx, hit):
        # "给他发个邮件吧" with no one before it, a name found nowhere: ask who, plan nothing
        ctx.plan.questions.append(
            {
                "id": f"recipient:{hit.start}",
                "slot": "contact_id",
                "text": "发给谁？没有找到收件人。"
                if ctx.lang == "zh"
                else "Who should get it? No recipient was found.",
                "options": [],
                "blocking": True,
            }
        )
        return
    body = _body(ctx, hit, contact)
    args: dict[str, Any] = {
        "channel": channel,
        "body": body,
        "contact_id": contact.record_id if contact else None,
    }
    if channel == "email":
        args["subject"] = ctx.subject_of(hit, ctx.topic_title() if ctx.topic else body[:60])
    ctx.new_step("messages.send", args, ctx.deps(), "send")


def _someone_named(ctx: BuildContext, hit: IntentHit) -> bool:
    """A recipient the sentence gives that is not a resolved contact: an address, a phone
    number, or a name with several candidates (its question offers them)."""
    if EMAIL.search(ctx.plan.text) or PHONE.search(ctx.plan.text):
        return True
    return any(e.ambiguous or e.object_type == "user" for e in ctx.plan.entities)


def _body(ctx: BuildContext, hit: IntentHit, contact: Entry | None) -> str:
    """What the recipient reads: the content the sender asked to pass on, addressed to
    them; the conversation's context when the sentence gives none; the sentence itself
    only as a last resort (the preview shows it before anything is sent)."""
    clause = hit.clause.text
    recipient = _greeting_name(ctx, hit, contact)
    content = message_content(clause, ctx.lang, recipient)
    if content is not None:
        return compose_message(content, ctx.lang, recipient, bool(QUOTED.search(clause)))
    return ctx.context_text() or clause


def _greeting_name(ctx: BuildContext, hit: IntentHit, contact: Entry | None) -> str | None:
    """How the sender named the recipient when it is a form of address (王总, Mr. Zhang),
    else the contact's name."""
    if contact is None:
        return None
    for entity in ctx.entities(hit, "contact"):
        if entity.record_id != contact.record_id:
            continue
        if FORM_OF_ADDRESS.search(entity.mention):
            return entity.mention
        if ctx.lang == "en" and not contact.display.isascii() and entity.mention.isascii():
            return entity.mention  # "Zhang Jianguo" in an English message to 张建国
    return contact.display
