"""Create a contact, lead or account from a name, e-mail or phone in the text."""

from __future__ import annotations

import re
from typing import Any

from kith.language.builders.context import BuildContext
from kith.language.intents import IntentHit
from kith.language.lexicon import (
    EMAIL,
    PHONE,
    QUOTED,
)


def build_create_record(ctx: BuildContext, hit: IntentHit) -> None:
    clause = ctx.plan.text[hit.clause.start :]
    kind = "contact"
    if re.search(r"线索|lead", clause, re.I):
        kind = "lead"
    elif re.search(r"客户|公司|account|company", clause, re.I) and not re.search(
        r"联系人|contact", clause, re.I
    ):
        kind = "account"
    name = None
    m = re.search(
        r"(?:叫|名叫|名字是|姓名|named|called|name)\s*[:：]?\s*"
        r"([\u4e00-\u9fff]{2,4}|[A-Z][a-z]+(?: [A-Z][a-z]+)?)",
        clause,
    )
    q = QUOTED.search(clause)
    if q:
        name = q.group("q")
    elif m:
        name = m.group(1)
    values: dict[str, Any] = {"name": name}
    if (email := EMAIL.search(clause)) is not None:
        values["email"] = email.group(0)
    if (phone := PHONE.search(clause)) is not None:
        values["mobile" if kind == "contact" else "phone"] = phone.group(0)
    account = ctx.entities(hit, "account")
    if kind == "contact" and account:
        values["account_id"] = account[0].record_id
    if kind == "lead" and account:
        values["company"] = account[0].display
    ctx.new_step(
        "records.create",
        {"object_type": kind, "values": {k: v for k, v in values.items() if v is not None}},
        [],
        "create_record",
    )
