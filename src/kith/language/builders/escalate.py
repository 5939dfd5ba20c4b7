"""Escalate a ticket, and assign it when a colleague is named."""

from __future__ import annotations

import re

from kith.language.builders.context import BuildContext
from kith.language.intents import IntentHit


def build_escalate(ctx: BuildContext, hit: IntentHit) -> None:
    ticket = ctx.ticket(hit)
    urgent = re.search(r"紧急|urgent", ctx.plan.text, re.I)
    reason = re.search(r"(?:因为|原因[是:：]?|because|reason[:]?)\s*(.+)$", ctx.plan.text, re.I)
    text = reason.group(1) if reason else ctx.plan.text
    index = ctx.new_step(
        "tickets.escalate",
        {
            "ticket_id": ticket.record_id if ticket else None,
            "reason": text[:2000],
            "priority": "urgent" if urgent else "high",
        },
        [],
        "escalate",
    )
    users = ctx.users(hit, whole=False)
    if users and ticket is not None:
        ctx.new_step(
            "tickets.assign",
            {"ticket_id": ticket.record_id, "assignee_id": users[0].record_id},
            [index],
            "ticket_assign",
        )
