"""Move a deal to a stage named in the text (the deal's own stage names first, then aliases)."""

from __future__ import annotations

import re
from typing import Any

from kith.language.builders.context import BuildContext
from kith.language.dealdesc import describe
from kith.language.intents import IntentHit
from kith.language.lexicon import (
    STAGE_ALIASES_EN,
    STAGE_ALIASES_ZH,
)
from kith.language.resolve import Entry


def build_stage(ctx: BuildContext, hit: IntentHit) -> None:
    asked = len(ctx.plan.questions)
    deal = ctx.deal(hit)
    clause = ctx.plan.text[hit.clause.start : hit.clause.end]
    offered = any(e.ambiguous and e.object_type == "deal" for e in ctx.plan.entities)
    described = not describe(clause, 0, len(clause)).empty
    if deal is None and len(ctx.plan.questions) == asked and described and not offered:
        # a deal described ("嘉禾10台V9那个单子") that is none of the deals this user may see
        ctx.plan.warnings.append(
            f"没有找到你可以查看的、符合“{clause}”的商机。"
            if ctx.lang == "zh"
            else f"No deal you can see matches “{clause}”."
        )
        ctx.plan.flags.append("not_found")
        return
    stage = _stage_name(ctx, hit, deal)
    args: dict[str, Any] = {"deal_id": deal.record_id if deal else None, "stage_name": stage}
    if stage in ("输单", "未中标"):
        reason = re.search(r"(?:原因|因为|because|reason)[:：是]?\s*(.+)$", hit.clause.text, re.I)
        if reason:
            args["lost_reason"] = reason.group(1)[:200]
    ctx.new_step("deals.update_stage", args, [], "stage")


def _stage_name(ctx: BuildContext, hit: IntentHit, deal: Entry | None) -> str | None:
    names: list[str] = []
    if deal is not None:
        row = ctx.p.record("deal", deal.record_id)
        if row is not None:
            names = [s.name for s in ctx.p.repo.stages(row.pipeline_id)]
    text = ctx.plan.text[hit.clause.start : hit.clause.end]
    for name in sorted(names, key=len, reverse=True):
        if name in text:
            return name
    aliases = STAGE_ALIASES_EN if ctx.lang == "en" else STAGE_ALIASES_ZH
    for word in sorted(aliases, key=len, reverse=True):
        if re.search(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", text, re.I):
            options = aliases[word]
            return next((o for o in options if o in names), options[0] if not names else None)
    return None
