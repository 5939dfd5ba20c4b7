"""Request a refund on an order (always waits for approval)."""

from __future__ import annotations

import re
from decimal import Decimal

from kith.language.builders.context import BuildContext
from kith.language.intents import IntentHit
from kith.language.lexicon import (
    parse_amount,
)


def build_refund(ctx: BuildContext, hit: IntentHit) -> None:
    orders = ctx.entities(hit, "order")
    order = orders[0].entry if orders else None
    contact = ctx.contact(hit)
    if (
        order is None
        and contact is not None
        and re.search(r"订单|\border\b", hit.clause.text, re.I)
    ):
        # "He Zhenhua's order": the contact's only order the user may see
        theirs = ctx.p.orders_of_contact(contact.record_id)
        if len(theirs) == 1:
            order = ctx.p.gaz.by_id.get(theirs[0])
    clause = ctx.plan.text[hit.clause.start : hit.clause.end]
    value = parse_amount(clause)
    if value is None and order is not None and re.search(r"全额|全部|full", clause, re.I):
        value = Decimal(order.extra["total"])
    reason = re.search(r"(?:因为|原因[是:：]?|because|reason[:]?)\s*(.+)$", clause, re.I)
    args = {
        "order_id": order.record_id if order else None,
        "amount": str(value) if value is not None else None,
        "reason": (reason.group(1) if reason else clause)[:500],
    }
    ctx.new_step("refunds.request", args, [], "refund", needs_approval=True)
