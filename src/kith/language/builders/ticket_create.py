"""Open a ticket with a priority, subject and the context it came from."""

from __future__ import annotations

import re

from kith.language.builders.context import BuildContext
from kith.language.intents import IntentHit
from kith.language.lexicon import (
    after_colon,
    ticket_subject,
)


def build_ticket_create(ctx: BuildContext, hit: IntentHit) -> None:
    contact = ctx.contact(hit)
    clause = hit.clause.text
    priority = (
        "urgent"
        if re.search(r"紧急|urgent|asap", clause, re.I)
        else ("high" if re.search(r"高优|重要|high priority|important", clause, re.I) else "normal")
    )
    subject = ctx.subject_of(
        hit,
        after_colon(hit.clause.text) or ticket_subject(ctx.plan.text, ctx.topic, ctx.lang),
    )
    assignees = ctx.users(hit, whole=False)
    args = {
        "subject": subject,
        "description": ctx.context_text() or ctx.plan.text,
        "priority": priority,
        "contact_id": contact.record_id if contact else None,
        "account_id": ctx.account_id(hit),
        "assignee_id": assignees[0].record_id if assignees else None,
    }
    ctx.new_step("tickets.create", args, ctx.deps(), "ticket_create")
