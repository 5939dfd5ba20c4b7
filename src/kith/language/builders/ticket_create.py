"""Open a ticket with a priority, subject and the context it came from."""

from __future__ import annotations

import re

from kith.language.builders.context import BuildContext
from kith.language.intents import IntentHit
from kith.language.lexicon import (
    TICKET_CATEGORIES,
    after_colon,
    ticket_subject,
)

TO_ME = re.compile(
    r"(?:指派|分配|派|交|转)给我(?!们)|我来(?:处理|跟)|\bassign(?:ed)?\s+(?:it\s+)?to\s+me\b", re.I
)
_SEVERITY = re.compile(
    r"(?<![A-Za-z])(?:severity\s*|严重(?:程度|级别|等级)[为是:：]?\s*)?S([1-4])\b", re.I
)


def priority_of(clause: str) -> str:
    """urgent / high / low / normal, as the sentence sets it."""
    if re.search(r"紧急|加急|urgent|asap|critical|priority\s*(?:is\s*|to\s*)?p?1\b", clause, re.I):
        return "urgent"
    if re.search(
        r"高优|优先级[设定调改]?[为成到是]?\s*高|设高|重要|high[- ]priority|priority\s*"
        r"(?:is\s*|to\s*|=\s*)?high|important",
        clause,
        re.I,
    ):
        return "high"
    if re.search(
        r"低优|优先级[设定调改]?[为成到是]?\s*低|low[- ]priority|priority\s*(?:to\s*)?low",
        clause,
        re.I,
    ):
        return "low"
    return "normal"


def severity_of(clause: str) -> str | None:
    m = _SEVERITY.search(clause)
    return f"s{m.group(1)}" if m else None


def category_of(clause: str) -> str | None:
    """The category named as the kind of ticket ("a billing ticket", "开个发票工单")."""
    m = re.search(r"(?P<kind>[^，,。:：]{0,12}?)\s*(?:工单|ticket|case)", clause, re.I)
    words = m.group("kind") if m else ""
    explicit = re.search(r"(?:category|类别|分类)[为是:：]?\s*(\w+)", clause, re.I)
    if explicit:
        words += " " + explicit.group(1)
    for pattern, category in TICKET_CATEGORIES:
        if re.search(pattern, words, re.I):
            return category
    return None


def build_ticket_create(ctx: BuildContext, hit: IntentHit) -> None:
    contact = ctx.contact(hit)
    clause = hit.clause.text
    priority = priority_of(clause)
    subject = ctx.subject_of(
        hit,
        after_colon(hit.clause.text) or ticket_subject(ctx.plan.text, ctx.topic, ctx.lang),
    )
    assignees = ctx.users(hit, whole=False)
    if ctx.me and TO_ME.search(clause):
        assignees = [e for e in ctx.p.gaz.of_type("user") if e.record_id == ctx.me]
    args = {
        "subject": subject,
        "description": ctx.context_text() or ctx.plan.text,
        "priority": priority,
        "contact_id": contact.record_id if contact else None,
        "account_id": ctx.account_id(hit),
        "assignee_id": assignees[0].record_id if assignees else None,
        "severity": severity_of(clause),
        "category": category_of(clause),
    }
    ctx.new_step("tickets.create", args, ctx.deps(), "ticket_create")
