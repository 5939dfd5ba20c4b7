"""Schedule a meeting: attendees, subject, a start time (the next free slot when none
is given) and the question when a time reads two ways."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any

from kith.language.builders.context import BuildContext
from kith.language.intents import IntentHit
from kith.language.lexicon import (
    THREE_PARTY,
)
from kith.language.timeparse import TimeMention

_FIND_A_TIME = re.compile(
    r"约个时间|找个时间|约时间|安排个?时间|有空|空闲|尽快|find (?:a |some )?time|free slot|when"
    r"|whenever|asap|soon",
    re.I,
)


def build_meeting(ctx: BuildContext, hit: IntentHit) -> None:
    users = list(ctx.users(hit, whole=True))
    contacts = [e.entry for e in ctx.plan.entities if e.object_type == "contact" and e.entry]
    attendees: list[dict[str, str]] = []
    if ctx.me:
        attendees.append({"kind": "user", "ref": ctx.me})
    attendees += [{"kind": "user", "ref": u.record_id} for u in users if u.record_id != ctx.me]
    attendees += [{"kind": "contact", "ref": c.record_id} for c in contacts]
    three = bool(THREE_PARTY.search(ctx.plan.text))
    if ctx.lang == "zh":
        subject = ("三方会议：" if three else "会议：") + (
            ctx.topic or (contacts[0].display if contacts else "沟通")
        )
    else:
        subject = ("Three-party meeting: " if three else "Meeting: ") + (
            ctx.topic or (contacts[0].display if contacts else "catch-up")
        )
    subject = ctx.subject_of(hit, subject)
    mention = ctx.time_in(hit)
    if mention is None and not ctx.plan.times and not _FIND_A_TIME.search(ctx.plan.text):
        # "帮我约黄晓东": no day, no time, not "find a time" — ask when, book nothing yet
        who = contacts[0].display if contacts else ""
        ctx.plan.questions.append(
            {
                "id": f"time:{hit.start}",
                "slot": "starts_at",
                "text": f"约{who}在什么时候？"
                if ctx.lang == "zh"
                else f"When should we meet {who}?",
                "options": [],
                "blocking": True,
            }
        )
        return
    user_ids = [a["ref"] for a in attendees if a["kind"] == "user"]
    contact_ids = [a["ref"] for a in attendees if a["kind"] == "contact"]
    start = _meeting_start(ctx, mention, user_ids, contact_ids)
    args: dict[str, Any] = {
        "subject": subject,
        "attendees": attendees,
        "contact_id": contacts[0].record_id if contacts else None,
        "account_id": ctx.account_id(hit),
        "body": ctx.context_text() or None,
    }
    if start is not None:
        args["starts_at"] = start.isoformat()
        args["ends_at"] = (start + timedelta(hours=1)).isoformat()
    index = ctx.new_step("meetings.schedule", args, ctx.deps(), "meeting")
    if mention is not None and mention.alternatives:
        _reading_question(ctx, index, mention, user_ids, contact_ids, start)
    elif mention is None:
        ctx.plan.warnings.append(
            "没有说时间，已建议最近的空闲时段。"
            if ctx.lang == "zh"
            else "No time given; proposed the next free slot."
        )


def _meeting_start(
    ctx: BuildContext, mention: TimeMention | None, users: list[str], contacts: list[str]
) -> datetime | None:
    if mention is None:
        start = datetime.combine(
            ctx.p.times.today + timedelta(days=1), time(0), tzinfo=ctx.p.times.zone
        )
        return ctx.p.free_slot(start, start + timedelta(days=7), users, contacts)
    if mention.has_clock:
        return mention.start
    if mention.kind in ("day", "week", "deadline", "range", "month"):
        end = mention.end if mention.kind != "month" else mention.start + timedelta(days=7)
        begin = max(mention.start, ctx.p.now) if mention.kind == "deadline" else mention.start
        return ctx.p.free_slot(begin, end, users, contacts) or mention.start.replace(hour=10)
    return mention.start


def _reading_question(
    ctx: BuildContext,
    index: int,
    mention: TimeMention,
    users: list[str],
    contacts: list[str],
    chosen: datetime | None,
) -> None:
    alt = mention.alternatives[0]
    alt_start = ctx.p.free_slot(alt.start, alt.end, users, contacts) or alt.start.replace(hour=10)
    fmt = "%m-%d %H:%M"
    if ctx.lang == "zh":
        text = (
            f"“{mention.text}{ctx.plan.text[mention.end_index : mention.end_index + 4]}”"
            "有两种读法："
            "下周的三方会议，还是下周三开会？"
        )
        labels = (
            f"下周 + 三方会议（建议 {chosen.strftime(fmt) if chosen else '—'}）",
            f"下周三（{alt_start.strftime(fmt)}）",
        )
    else:
        text = "Did you mean a three-party meeting next week, or a meeting next Wednesday?"
        labels = (
            f"Three-party meeting next week (proposed {chosen.strftime(fmt) if chosen else '—'})",
            f"Next Wednesday ({alt_start.strftime(fmt)})",
        )
    end = timedelta(hours=1)
    ctx.plan.questions.append(
        {
            "id": "time:meeting",
            "slot": f"steps[{index}].args.starts_at",
            "text": text,
            "blocking": False,
            "default": "week",
            "options": [
                {
                    "value": "week",
                    "label": labels[0],
                    "patch": {
                        "step": index,
                        "args": {
                            "starts_at": chosen.isoformat() if chosen else None,
                            "ends_at": (chosen + end).isoformat() if chosen else None,
                        },
                    },
                },
                {
                    "value": "wednesday",
                    "label": labels[1],
                    "patch": {
                        "step": index,
                        "args": {
                            "starts_at": alt_start.isoformat(),
                            "ends_at": (alt_start + end).isoformat(),
                        },
                    },
                },
            ],
        }
    )
