"""Give a deal, account, lead or contact to a colleague ("把港城快运的商机转给李娜跟进",
"hand the Nordic Fleet deal to Li Na"): an owner change through ``records.update``."""

from __future__ import annotations

from kith.language.builders.context import BuildContext
from kith.language.builders.targets import record_target
from kith.language.intents import IntentHit

OWNED = ("deal", "account", "lead", "contact")


def build_reassign(ctx: BuildContext, hit: IntentHit) -> None:
    target = record_target(ctx, hit)
    users = [e for e in ctx.entities(hit, "user", whole=False) if e.record_id != ctx.me]
    if target is None or target.record_id is None or target.object_type not in OWNED or not users:
        ctx.plan.questions.append(
            {
                "id": f"reassign:{hit.start}",
                "slot": "owner",
                "text": "要把哪条记录交给哪位同事？"
                if ctx.lang == "zh"
                else "Which record should go to which colleague?",
                "options": [],
                "blocking": True,
            }
        )
        return
    row = ctx.p.record(target.object_type, target.record_id)
    ctx.new_step(
        "records.update",
        {
            "object_type": target.object_type,
            "record_id": target.record_id,
            "version": row.version if row else None,
            "values": {"owner_id": users[-1].record_id},
        },
        [],
        "reassign",
    )
