"""Enroll a contact in a campaign named in the text."""

from __future__ import annotations

import re

from kith.language.builders.context import BuildContext
from kith.language.intents import IntentHit
from kith.language.lexicon import (
    QUOTED,
)


def build_campaign(ctx: BuildContext, hit: IntentHit) -> None:
    contact = ctx.contact(hit)
    clause = hit.clause.text
    q = QUOTED.search(clause)
    m = re.search(r"([\u4e00-\u9fffA-Za-z0-9]{2,20}?)(?:活动|营销|计划)", clause) if not q else None
    en = re.search(r"(?:the\s+)?([A-Za-z0-9 -]{2,40}?)\s+campaign", clause, re.I) if not q else None
    name = (
        q.group("q")
        if q
        else (m.group(0) if m and ctx.lang == "zh" else (en.group(1) if en else None))
    )
    if name and ctx.lang == "zh":
        name = re.sub(r"^(?:加入|拉进|报名|加到)", "", name)
    ctx.new_step(
        "campaigns.enroll",
        {"campaign": name, "contact_id": contact.record_id if contact else None},
        [],
        "campaign",
    )
