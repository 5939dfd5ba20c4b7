"""Draft an e-mail to a colleague or a contact (one draft per plan)."""

from __future__ import annotations

from typing import Any

from kith.language.builders.context import BuildContext
from kith.language.intents import IntentHit
from kith.language.resolve import Entry


def build_draft_email(ctx: BuildContext, hit: IntentHit) -> None:
    if any(s.tool == "email.draft" for s in ctx.plan.steps):
        return
    users = ctx.users(hit, whole=False) or ctx.shared_users
    contact = ctx.contact(hit) if not users else None
    draft_to(ctx, hit, user=users[0] if users else None, contact=contact)


def draft_to(
    ctx: BuildContext, hit: IntentHit, user: Entry | None = None, contact: Entry | None = None
) -> None:
    subject = ctx.subject_of(hit, ctx.topic_title())
    context = ctx.context_text()
    if ctx.lang == "zh":
        body = (
            f"{user.display if user else (contact.display if contact else '')}，您好：\n\n"
            f"{context or hit.clause.text}\n\n请协助跟进，谢谢。"
        )
    else:
        name = user.display if user else (contact.display if contact else "")
        body = f"Hi {name},\n\n{context or hit.clause.text}\n\nCould you help follow up? Thanks."
    args: dict[str, Any] = {"subject": subject, "body": body}
    if user is not None:
        args["to"] = user.extra.get("email")
    elif contact is not None:
        args["contact_id"] = contact.record_id
    ctx.new_step("email.draft", args, ctx.deps(), "draft_email")
