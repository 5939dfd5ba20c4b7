"""Issue a coupon (discount, gift or service voucher) to a contact."""

from __future__ import annotations

import re

from kith.language.builders.context import BuildContext
from kith.language.intents import IntentHit
from kith.language.lexicon import (
    parse_amount,
)


def build_coupon(ctx: BuildContext, hit: IntentHit) -> None:
    contact = ctx.contact(hit)
    clause = ctx.plan.text[hit.clause.start : hit.clause.end]
    value = parse_amount(clause) or parse_amount(ctx.plan.text)
    kind = (
        "free_gift"
        if re.search(r"赠品|礼品|gift", clause, re.I)
        else (
            "service_voucher"
            if re.search(r"服务券|保养|检测|service|check", clause, re.I)
            else "discount"
        )
    )
    reason = re.search(r"(?:因为|原因[是:：]?|作为|以|for|because|as)\s*(.+)$", clause, re.I)
    args = {
        "contact_id": contact.record_id if contact else None,
        "value": str(value) if value is not None else None,
        "kind": kind,
        "reason": (reason.group(1) if reason else clause)[:500],
    }
    ctx.new_step("coupons.issue", args, [], "coupon")
