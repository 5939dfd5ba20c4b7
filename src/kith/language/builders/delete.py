"""Delete one record (never in bulk; always waits for approval)."""

from __future__ import annotations

from kith.language.builders.context import BuildContext
from kith.language.builders.targets import record_target
from kith.language.intents import BULK, IntentHit


def build_delete(ctx: BuildContext, hit: IntentHit) -> None:
    clause = hit.clause.text
    if BULK.search(clause):
        ctx.plan.warnings.append(
            "不支持用一句话批量删除记录；请逐条删除（每条都需要审批）。"
            if ctx.lang == "zh"
            else "Bulk deletion is not offered from a sentence; delete records one at a time "
            "(each needs approval)."
        )
        ctx.plan.flags.append("bulk_destructive_refused")
        return
    target = record_target(ctx, hit)
    if target is None or target.record_id is None:
        ctx.plan.questions.append(
            {
                "id": f"target:{hit.start}",
                "slot": "record",
                "text": "要删除哪条记录？"
                if ctx.lang == "zh"
                else "Which record should be deleted?",
                "options": [],
                "blocking": True,
            }
        )
        return
    row = ctx.p.record(target.object_type, target.record_id)
    ctx.new_step(
        "records.delete",
        {
            "object_type": target.object_type,
            "record_id": target.record_id,
            "version": row.version if row else None,
        },
        [],
        "delete",
        needs_approval=True,
    )
