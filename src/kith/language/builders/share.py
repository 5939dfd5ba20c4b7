"""Share an issue with colleagues: a notification (or a task when the asker may not
notify), and a draft to them when an earlier message is the context."""

from __future__ import annotations

from typing import Any

from kith.access import policy
from kith.language.builders.context import BuildContext
from kith.language.builders.draft_email import draft_to
from kith.language.intents import IntentHit


def build_share(ctx: BuildContext, hit: IntentHit) -> None:
    users = ctx.users(hit)
    if not users:
        contact = ctx.contact(hit)
        if contact is not None:
            draft_to(ctx, hit, contact=contact)
            return
        ctx.new_step("users.notify", {"title": ctx.topic_title()}, ctx.deps(), "share")
        return
    may_notify = policy.scope_for(ctx.p.acting, "notification", "create") is not None
    for user in users:
        ctx.shared_users.append(user)
        body = ctx.context_text() or hit.clause.text
        contact = ctx.contact(hit)
        if may_notify:
            args: dict[str, Any] = {
                "user_id": user.record_id,
                "title": ctx.topic_title()[:300],
                "body": body,
            }
            if ctx.topic_interaction is not None:
                args["subject_type"] = "interaction"
                args["subject_id"] = ctx.topic_interaction.id
            elif contact is not None:
                args["subject_type"], args["subject_id"] = "contact", contact.record_id
            ctx.new_step("users.notify", args, ctx.deps(), "share")
        else:  # no right to notify: a task for them carries the issue and its context
            ctx.new_step(
                "tasks.create",
                {
                    "subject": ctx.topic_title()[:300],
                    "body": body,
                    "assignee_id": user.record_id,
                    "contact_id": contact.record_id if contact else None,
                    "account_id": ctx.account_id(hit),
                },
                ctx.deps(),
                "share",
            )
        if ctx.topic_interaction is not None and user.extra.get("email"):
            draft_to(ctx, hit, user=user)
