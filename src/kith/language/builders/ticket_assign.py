"""Assign a ticket to a colleague."""

from __future__ import annotations

from kith.language.builders.context import BuildContext
from kith.language.intents import IntentHit


def build_ticket_assign(ctx: BuildContext, hit: IntentHit) -> None:
    ticket = ctx.ticket(hit)
    users = ctx.users(hit, whole=False)
    ctx.new_step(
        "tickets.assign",
        {
            "ticket_id": ticket.record_id if ticket else None,
            "assignee_id": users[0].record_id if users else None,
        },
        [],
        "ticket_assign",
    )
