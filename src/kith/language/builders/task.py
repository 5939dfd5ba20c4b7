"""Create a to-do with a due time, assignee and the records it is about."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from kith.access import policy
from kith.language.builders.context import BuildContext
from kith.language.intents import IntentHit
from kith.language.lexicon import (
    task_subject,
)
from kith.language.timeparse import DEFAULT_DUE_TIME

_BEFORE = re.compile(
    r"(?P<n>half an|an|a|one|\d{1,3})\s+(?P<unit>hours?|minutes?|mins?)\s+(?:before|earlier|ahead)"
    r"|提前(?P<zn>半|一|\d{1,3})?\s*(?:个)?(?P<zunit>小时|钟头|分钟)",
    re.I,
)


def build_task(ctx: BuildContext, hit: IntentHit) -> None:
    contact = ctx.contact(hit)
    mention = ctx.time_in(hit)
    due: datetime | None = None
    if mention is not None:
        if mention.has_clock:
            due = mention.start
        elif mention.kind == "deadline":
            due = mention.end - timedelta(days=1)
            due = due.replace(hour=DEFAULT_DUE_TIME.hour, minute=0)
        else:
            due = mention.start.replace(hour=DEFAULT_DUE_TIME.hour, minute=0)
    before = _BEFORE.search(hit.clause.text)
    meeting = next((s for s in ctx.plan.steps if s.tool == "meetings.schedule"), None)
    if before and meeting is not None and meeting.args.get("starts_at"):
        n = (before.group("n") or before.group("zn") or "1").lower()
        amount = 0.5 if n in ("half an", "半") else float(n) if n.isdigit() else 1.0
        word = (before.group("unit") or before.group("zunit")).lower()
        unit = 60 if word.startswith(("hour", "小时", "钟头")) else 1
        starts = datetime.fromisoformat(str(meeting.args["starts_at"]))
        due = starts - timedelta(minutes=amount * unit)  # "remind me an hour before"
    assignees = [u for u in ctx.users(hit, whole=False) if u.record_id != ctx.me]
    clause = hit.clause.text.strip()
    subject = ctx.subject_of(hit, task_subject(clause, ctx.plan.times, ctx.lang))
    deal = ctx.deal(hit) if re.search(r"商机|单子|deal|opportunity", clause, re.I) else None
    args: dict[str, Any] = {
        "subject": subject,
        "due_at": due.isoformat() if due else None,
        "assignee_id": assignees[0].record_id if assignees else ctx.me,
        "contact_id": contact.record_id if contact else None,
        "account_id": ctx.account_id(hit) if contact or ctx.entities(hit, "account") else None,
        "deal_id": deal.record_id if deal else None,
        "body": ctx.context_text() or None,
    }
    if (
        args["assignee_id"] != ctx.me
        and policy.scope_for(ctx.p.acting, "activity", "create") is None
        and policy.scope_for(ctx.p.acting, "notification", "create") is not None
    ):  # no right to make a colleague a to-do, the right to tell them: a notification
        ctx.new_step(
            "users.notify",
            {"user_id": args["assignee_id"], "title": subject, "body": clause},
            ctx.deps(),
            "task",
        )
        return
    ctx.new_step("tasks.create", args, ctx.deps(), "task")
