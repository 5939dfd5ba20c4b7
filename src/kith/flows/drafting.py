"""A draft flow from one sentence — deterministic patterns, not a language model.

Two sentence shapes are understood, in Chinese and English (docs/flows.md lists them):

1. *no first response*: "每当S1工单两小时内没有首次响应，就升级给团队经理并短信通知客户" /
   "When an S1 ticket has had no first response for 2 hours, escalate it to the team
   manager and text the customer" → on ``ticket.created`` of that severity, wait for the
   ticket's ``ticket.updated`` at most that long; on timeout escalate the ticket, tell
   the manager (the flow's owner until edited) and, if asked, text the customer.
2. *stuck in a stage*: "When a deal sits in 方案演示 for more than 14 days, create a task
   for its owner and tell their manager" / "当商机在方案演示阶段停留超过14天，就给负责人
   创建任务并通知其经理" → on ``deal.stage_changed`` into that stage, wait for the deal's
   next stage change at most that long; on timeout create a task for the deal's owner
   and tell the manager (the flow's owner until edited).

Anything else is refused with a message that says which shapes are understood. The
result is a definition to review, validate and save; nothing is written here.
"""

from __future__ import annotations

import re
from typing import Any

from kith.core.errors import FieldError, ValidationFailed

_ZH_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_UNITS = {
    "小时": "h",
    "个小时": "h",
    "天": "d",
    "日": "d",
    "分钟": "m",
    "周": "w",
    "hour": "h",
    "hours": "h",
    "day": "d",
    "days": "d",
    "minute": "m",
    "minutes": "m",
    "week": "w",
    "weeks": "w",
}
_AMOUNT = r"(\d{1,4}|[零一二两三四五六七八九十]{1,3})"
_ZH_UNIT = r"(个小时|小时|天|日|分钟|周)"
_EN_UNIT = r"(hours?|days?|minutes?|weeks?)"


def _number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if text == "十":
        return 10
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_ZH_DIGITS.get(tens, 1) if tens else 1) * 10 + (_ZH_DIGITS.get(ones, 0))
    return _ZH_DIGITS[text]


def _duration(amount: str, unit: str) -> str:
    n, code = _number(amount), _UNITS[unit.lower()]
    return f"{n * 7}d" if code == "w" else f"{n}{code}"


def draft_from_text(text: str) -> dict[str, Any]:
    """The draft definition for ``text``; ``ValidationFailed`` when no shape matches."""
    sentence = " ".join(text.split())
    for attempt in (_no_first_response, _stuck_in_stage):
        found = attempt(sentence)
        if found is not None:
            return found
    raise ValidationFailed(
        "this sentence is not one of the shapes 'kith flow draft' understands",
        [
            FieldError(
                ["text"],
                "understood: an Sx ticket with no first response within a time; "
                "a deal that stays in a stage for more than a time (docs/flows.md)",
            )
        ],
    )


def _no_first_response(sentence: str) -> dict[str, Any] | None:
    zh = re.search(rf"([Ss][1-4]).{{0,4}}工单.{{0,4}}?{_AMOUNT}{_ZH_UNIT}内?没有首次响应", sentence)
    en = re.search(
        rf"\b([Ss][1-4]) tickets?\b.*?no first response (?:for|within) {_AMOUNT} {_EN_UNIT}",
        sentence,
        re.IGNORECASE,
    )
    match = zh or en
    if match is None:
        return None
    severity, timeout = match.group(1).lower(), _duration(match.group(2), match.group(3))
    text_customer = bool(re.search(r"短信|\btext\b|\bsms\b", sentence, re.IGNORECASE))
    nodes: list[dict[str, Any]] = [
        {
            "id": "start",
            "kind": "trigger",
            "event_type": "ticket.created",
            "filter": f"event.payload.record.severity == '{severity}'",
            "next": "wait_response",
        },
        {
            "id": "wait_response",
            "kind": "wait",
            "until_event": {
                "type": "ticket.updated",
                "match": "incoming.subject_id == event.subject_id",
            },
            "timeout": timeout,
            "next": "answered",
            "on_timeout": "escalate",
        },
        {
            "id": "escalate",
            "kind": "tool",
            "tool": "tickets.escalate",
            "args": {
                "ticket_id": "=event.subject_id",
                "priority": "urgent",
                "reason": f"No first response within {timeout} / {timeout} 内未首次响应",
            },
            "next": "tell_manager",
        },
        {
            "id": "tell_manager",
            "kind": "tool",
            "tool": "users.notify",
            "title": "The team manager: the flow's owner until you pick someone",
            "args": {
                "user_id": "=flow.owner_id",
                "title": '="升级 / Escalated: " + event.payload.record.subject',
                "subject_type": "ticket",
                "subject_id": "=event.subject_id",
            },
            "next": "text_customer" if text_customer else "escalated",
        },
    ]
    if text_customer:
        nodes.append(
            {
                "id": "text_customer",
                "kind": "tool",
                "tool": "messages.send",
                "purpose": "service",
                "args": {
                    "channel": "sms",
                    "contact_id": "=event.payload.record.contact_id",
                    "body": "您的工单已升级处理，我们会尽快联系您。"
                    " Your ticket has been escalated; we will contact you shortly.",
                },
                "next": "escalated",
                "on_error": "escalated",
            }
        )
    nodes += [
        {"id": "escalated", "kind": "end", "outcome": "escalated"},
        {"id": "answered", "kind": "end", "outcome": "answered"},
    ]
    return {
        "key": f"{severity}_no_first_response",
        "name": f"{severity.upper()} 无首次响应升级 / {severity.upper()} no first response",
        "description": sentence[:2000],
        "nodes": nodes,
    }


def _stuck_in_stage(sentence: str) -> dict[str, Any] | None:
    en = re.search(
        rf"deals? (?:sits?|stays?|is) in (.+?) for (?:more than |over )?{_AMOUNT} {_EN_UNIT}",
        sentence,
        re.IGNORECASE,
    )
    zh = re.search(rf"商机在(.+?)阶段?停留(?:超过)?{_AMOUNT}{_ZH_UNIT}", sentence)
    match = en or zh
    if match is None:
        return None
    stage = match.group(1).strip().removesuffix("阶段").strip("'\"“”「」 ")
    timeout = _duration(match.group(2), match.group(3))
    nodes: list[dict[str, Any]] = [
        {
            "id": "start",
            "kind": "trigger",
            "event_type": "deal.stage_changed",
            "filter": f"event.payload.stage_name == {_cel_string(stage)}",
            "next": "wait_move",
        },
        {
            "id": "wait_move",
            "kind": "wait",
            "until_event": {
                "type": "deal.stage_changed",
                "match": "incoming.subject_id == event.subject_id",
            },
            "timeout": timeout,
            "next": "moved",
            "on_timeout": "load_deal",
        },
        {
            "id": "load_deal",
            "kind": "tool",
            "tool": "records.get",
            "purpose": "sales",
            "args": {"object_type": "deal", "record_id": "=event.subject_id"},
            "next": "task",
        },
        {
            "id": "task",
            "kind": "tool",
            "tool": "tasks.create",
            "purpose": "sales",
            "args": {
                "subject": f"商机在「{stage}」已超过 {timeout} / Deal in {stage} > {timeout}",
                "deal_id": "=event.subject_id",
                "assignee_id": "=steps.load_deal.output.record.owner_id",
            },
            "next": "tell_manager",
        },
        {
            "id": "tell_manager",
            "kind": "tool",
            "tool": "users.notify",
            "purpose": "sales",
            "title": "Their manager: the flow's owner until you pick someone",
            "args": {
                "user_id": "=flow.owner_id",
                "title": f"商机停滞 / Deal stuck in {stage}"[:300],
                "subject_type": "deal",
                "subject_id": "=event.subject_id",
            },
            "next": "nudged",
        },
        {"id": "nudged", "kind": "end", "outcome": "nudged"},
        {"id": "moved", "kind": "end", "outcome": "moved on"},
    ]
    return {
        "key": "deal_stuck_in_stage",
        "name": f"商机停滞提醒 / Deal stuck in {stage}"[:200],
        "description": sentence[:2000],
        "nodes": nodes,
    }


def _cel_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
