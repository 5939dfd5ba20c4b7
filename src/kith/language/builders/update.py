"""Change one field of one record (e-mail, phone, title, city, amount, priority)."""

from __future__ import annotations

import re
from typing import Any

from kith.language.builders.context import BuildContext
from kith.language.builders.targets import record_target
from kith.language.intents import IntentHit
from kith.language.lexicon import (
    EMAIL,
    PHONE,
    parse_amount,
)


def build_update(ctx: BuildContext, hit: IntentHit) -> None:
    target = record_target(ctx, hit)
    clause = ctx.plan.text[hit.clause.start : hit.clause.end]
    values: dict[str, Any] = {}
    if (email := EMAIL.search(clause)) is not None:
        values["email"] = email.group(0)
    elif (phone := PHONE.search(clause)) is not None:
        values["mobile" if re.search(r"手机|mobile|cell", clause, re.I) else "phone"] = phone.group(
            0
        )
    elif m := re.search(
        r"(?:职位|职务|头衔|title)\s*\S{0,6}?\s*(?:改成|改为|更新为|设为|to)\s*([^，,。]+)",
        clause,
        re.I,
    ):
        values["title"] = m.group(1)
    elif m := re.search(
        r"(?:城市|city)\S{0,6}?(?:改成|改为|更新为|to)\s*([^\s，,。]+)", clause, re.I
    ):
        values["city"] = m.group(1)
    elif m := re.search(r"(?:金额|amount)\s*\S{0,6}?\s*(?:改成|改为|更新为|to)", clause, re.I):
        amount = parse_amount(clause[m.end() :])
        if amount is not None:
            values["amount"] = str(amount)
    elif m := re.search(r"(?:优先级|priority)\S{0,6}?(?:改成|改为|to)\s*(\S+)", clause, re.I):
        word = m.group(1).lower()
        values["priority"] = {
            "紧急": "urgent",
            "高": "high",
            "普通": "normal",
            "低": "low",
        }.get(word, word)
    if target is None or target.record_id is None or not values:
        ctx.plan.questions.append(
            {
                "id": f"update:{hit.start}",
                "slot": "values",
                "text": "要修改哪条记录的哪个字段？"
                if ctx.lang == "zh"
                else "Which field of which record?",
                "options": [],
                "blocking": True,
            }
        )
        return
    object_type = target.object_type
    if object_type == "account" and any(k in values for k in ("mobile", "title")):
        return
    row = ctx.p.record(object_type, target.record_id)
    ctx.new_step(
        "records.update",
        {
            "object_type": object_type,
            "record_id": target.record_id,
            "version": row.version if row else None,
            "values": values,
        },
        [],
        "update",
    )
