"""The record a clause acts on: the most specific one named, or the account's open deal."""

from __future__ import annotations

import re

from kith.crm.specs import SPECS
from kith.language.builders.context import BuildContext
from kith.language.intents import IntentHit
from kith.language.resolve import Entity


def _target(ctx: BuildContext, hit: IntentHit) -> Entity | None:
    inside = [
        e
        for e in ctx.plan.entities
        if e.record_id and e.object_type in SPECS and hit.clause.start <= e.start < hit.clause.end
    ]
    pool = inside or [e for e in ctx.plan.entities if e.record_id and e.object_type in SPECS]
    if not pool:
        return None
    # the most specific record named: contact/deal/ticket over the account they belong to
    rank = {"ticket": 0, "deal": 1, "order": 1, "contact": 2, "lead": 2, "account": 3}
    return sorted(pool, key=lambda e: rank.get(e.object_type, 5))[0]


def record_target(ctx: BuildContext, hit: IntentHit) -> Entity | None:
    target = _target(ctx, hit)
    text = ctx.plan.text[hit.clause.start : hit.clause.end]
    if (target is None or target.object_type == "account") and re.search(
        r"商机|单子|\bdeal\b|opportunity", text, re.I
    ):
        deal = ctx.deal(hit)
        if deal is not None:
            return Entity(deal.display, "deal", deal.record_id, deal.display, 0.9, entry=deal)
    return target
