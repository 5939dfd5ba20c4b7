"""CSAT and NPS after a resolved ticket.

The invitation is a message the gateway sends (purpose ``service``, so the consent
ledger and any restriction of processing decide) with a link signed like the preference
page's (``kith.privacy.links``: tenant, contact, expiry) plus the ticket; the answer is
accepted only for a ticket of that contact and only once per ticket and question. Each
answer is an inbound interaction on the customer's timeline (channel ``web``,
``meta.survey`` = ``csat`` | ``nps``, ``meta.score``), which the concepts read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select

from kith.access.service import system_principal
from kith.core.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from kith.core.settings import Settings
from kith.crm.models import Contact, Interaction, Ticket
from kith.crm.schemas import InteractionIn
from kith.crm.service import RecordService
from kith.db.uow import UnitOfWork
from kith.privacy import links
from kith.privacy.restrictions import is_restricted

SURVEY_TTL = timedelta(days=14)
SURVEY_PATH = "/surveys/ticket"
KINDS = ("csat", "nps")

TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "title": "服务满意度调查",
        "intro": "您的工单 {number}「{subject}」已处理完毕。请花一分钟告诉我们您的感受。",
        "csat": "您对本次服务的满意程度如何?(1 = 非常不满意,5 = 非常满意)",
        "nps": "您有多大可能向朋友或同事推荐我们?(0 = 完全不可能,10 = 非常可能)",
        "comment": "还有什么想告诉我们的吗?(可选)",
        "send": "提交",
        "thanks": "感谢您的反馈!",
        "answered": "此工单的调查已提交过,感谢您的反馈。",
        "other": "English",
        "subject": "请评价我们的服务:工单 {number}",
        "body": "您好,{name}:您的工单 {number} 已处理完毕。"
        "欢迎通过以下链接评价本次服务(两个问题,约一分钟):{url}",
    },
    "en": {
        "title": "How did we do?",
        "intro": "Your ticket {number} “{subject}” is resolved. "
        "Please take a minute to tell us how it went.",
        "csat": "How satisfied are you with this service? "
        "(1 = very dissatisfied, 5 = very satisfied)",
        "nps": "How likely are you to recommend us to a friend or colleague? "
        "(0 = not at all, 10 = extremely)",
        "comment": "Anything else you would like to tell us? (optional)",
        "send": "Send",
        "thanks": "Thank you for your feedback!",
        "answered": "This survey was already answered. Thank you for your feedback.",
        "other": "中文",
        "subject": "Please rate our service: ticket {number}",
        "body": "Hello {name}, your ticket {number} is resolved. Tell us how we did "
        "(two questions, about a minute): {url}",
    },
}


@dataclass(frozen=True)
class Invitation:
    contact_id: str
    channel: str
    subject: str
    body: str
    url: str


def survey_url(
    settings: Settings, tenant_id: str, contact_id: str, ticket_id: str, now: datetime, lang: str
) -> str:
    token = links.sign(settings, tenant_id, contact_id, now + SURVEY_TTL)
    query = urlencode({"token": token, "ticket": ticket_id, "lang": lang})
    return f"{settings.public_url.rstrip('/')}{SURVEY_PATH}?{query}"


def invitation(
    uow: UnitOfWork, settings: Settings, tenant_id: str, ticket_id: str, now: datetime
) -> Invitation | None:
    """The invitation for a resolved ticket: None when it has no contact we can reach
    (no e-mail and no mobile), the person's processing is restricted, or the ticket is
    gone. Consent for the channel is the gateway's decision when it is sent."""
    ticket = uow.session.get(Ticket, ticket_id)
    if ticket is None or ticket.tenant_id != tenant_id or ticket.deleted_at is not None:
        return None
    contact = uow.session.get(Contact, ticket.contact_id) if ticket.contact_id else None
    if contact is None or contact.deleted_at is not None:
        return None
    if is_restricted(uow.session, tenant_id, contact.id, now):
        return None  # a survey is not necessary for the contract: a restriction stops it
    channel = "email" if contact.email else "sms" if (contact.mobile or contact.phone) else None
    if channel is None:
        return None
    lang = "en" if contact.language == "en" else "zh"
    url = survey_url(settings, tenant_id, contact.id, ticket.id, now, lang)
    t = TEXT[lang]
    return Invitation(
        contact_id=contact.id,
        channel=channel,
        subject=t["subject"].format(number=ticket.number),
        body=t["body"].format(name=contact.name, number=ticket.number, url=url),
        url=url,
    )


@dataclass(frozen=True)
class SurveyContext:
    claims: links.LinkClaims
    ticket: Ticket
    contact: Contact
    answered: frozenset[str]


def open_survey(
    uow: UnitOfWork, settings: Settings, token: str, ticket_id: str, now: datetime
) -> SurveyContext:
    """The survey behind a link: the token must be valid and the ticket the person's own."""
    claims = links.verify(settings, token, now)
    ticket = uow.session.get(Ticket, ticket_id)
    if (
        ticket is None
        or ticket.tenant_id != claims.tenant_id
        or ticket.contact_id != claims.contact_id
        or ticket.deleted_at is not None
    ):
        raise PermissionDenied("this link is not valid")
    contact = uow.session.get(Contact, claims.contact_id)
    if contact is None or contact.deleted_at is not None:
        raise NotFound("this person is no longer known")
    return SurveyContext(claims, ticket, contact, answered_kinds(uow, claims.tenant_id, ticket.id))


def answered_kinds(uow: UnitOfWork, tenant_id: str, ticket_id: str) -> frozenset[str]:
    metas = uow.session.scalars(
        select(Interaction.meta).where(
            Interaction.tenant_id == tenant_id,
            Interaction.ticket_id == ticket_id,
            Interaction.channel == "web",
            Interaction.deleted_at.is_(None),
        )
    )
    return frozenset(m["survey"] for m in metas if isinstance(m, dict) and m.get("survey") in KINDS)


def parse_answers(form: Mapping[str, str]) -> tuple[dict[str, int], str | None]:
    """The scores in a submitted form (field errors name the question)."""
    scores: dict[str, int] = {}
    errors = []
    for kind, low, high in (("csat", 1, 5), ("nps", 0, 10)):
        raw = (form.get(kind) or "").strip()
        if not raw:
            continue
        if not raw.isdigit() or not low <= int(raw) <= high:
            errors.append(FieldError([kind], f"must be a whole number from {low} to {high}"))
            continue
        scores[kind] = int(raw)
    if errors:
        raise ValidationFailed("invalid answer", errors)
    if not scores:
        raise ValidationFailed("no answer", [FieldError(["csat"], "answer at least one question")])
    comment = (form.get("comment") or "").strip()[:2000] or None
    return scores, comment


def record_answers(
    uow: UnitOfWork,
    survey: SurveyContext,
    scores: Mapping[str, int],
    comment: str | None,
    now: datetime,
) -> list[dict[str, Any]]:
    """One inbound interaction per answered question; an answered question is a 409."""
    repeated = sorted(set(scores) & survey.answered)
    if repeated:
        raise Conflict(f"already answered: {', '.join(repeated)}")
    records = RecordService(
        uow, system_principal(survey.claims.tenant_id, "survey"), clock=lambda: now
    )
    created = []
    for kind, score in scores.items():
        scale = "/5" if kind == "csat" else "/10"
        created.append(
            records.create(
                "interaction",
                InteractionIn(
                    channel="web",
                    direction="inbound",
                    occurred_at=now,
                    contact_id=survey.contact.id,
                    account_id=survey.ticket.account_id or survey.contact.account_id,
                    ticket_id=survey.ticket.id,
                    subject=f"{kind.upper()} {score}{scale} · {survey.ticket.number}",
                    text=comment if kind == "csat" else None,
                    meta={"survey": kind, "score": score},
                ),
            )
        )
    return created


def render(
    survey: SurveyContext, *, token: str, lang: str, done: bool = False, error: str | None = None
) -> str:
    t = TEXT[lang]
    other = "en" if lang == "zh" else "zh"
    ticket = survey.ticket
    switch = urlencode({"token": token, "ticket": ticket.id, "lang": other})
    head = f"""<!doctype html>
<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(t["title"])}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:640px;margin:2rem auto;padding:0 1rem}}
fieldset{{border:0;padding:0;margin:1rem 0}}.scale{{display:flex;flex-wrap:wrap;gap:.25rem}}
.scale label{{display:inline-flex;min-width:2.6rem;min-height:2.6rem;align-items:center;
justify-content:center;border:1px solid #999;border-radius:6px}}textarea{{width:100%}}
.ok{{color:#05620b}}.error{{color:#a00}}button{{min-height:2.6rem;padding:0 1.5rem}}</style>
</head><body>
<p><a href="?{escape(switch)}">{escape(t["other"])}</a></p>
<h1>{escape(t["title"])}</h1>"""
    if done or survey.answered >= frozenset(KINDS):
        message = t["thanks"] if done else t["answered"]
        return f"{head}<p class='ok' role='status'>{escape(message)}</p></body></html>"
    notice = f"<p class='error' role='alert'>{escape(error)}</p>" if error else ""
    questions = []
    for kind, low, high in (("csat", 1, 5), ("nps", 0, 10)):
        if kind in survey.answered:
            continue
        options = "".join(
            f'<label><input type="radio" name="{kind}" value="{n}" aria-label="{n}">{n}</label>'
            for n in range(low, high + 1)
        )
        questions.append(
            f"<fieldset><legend>{escape(t[kind])}</legend>"
            f"<div class='scale'>{options}</div></fieldset>"
        )
    intro = t["intro"].format(number=ticket.number, subject=ticket.subject)
    return f"""{head}<p>{escape(intro)}</p>{notice}
<form method="post" action="{SURVEY_PATH}">
<input type="hidden" name="token" value="{escape(token)}">
<input type="hidden" name="ticket" value="{escape(ticket.id)}">
<input type="hidden" name="lang" value="{lang}">
{"".join(questions)}
<p><label for="comment">{escape(t["comment"])}</label><br>
<textarea id="comment" name="comment" rows="3" maxlength="2000"></textarea></p>
<p><button type="submit">{escape(t["send"])}</button></p>
</form></body></html>"""


def rollup(uow: UnitOfWork, tenant_id: str, since: datetime, until: datetime) -> dict[str, Any]:
    """The tenant's CSAT and NPS between ``since`` and ``until``: responses, mean CSAT,
    the share satisfied (4-5), NPS (promoters - detractors, in points), and per score."""
    metas = uow.session.scalars(
        select(Interaction.meta).where(
            Interaction.tenant_id == tenant_id,
            Interaction.channel == "web",
            Interaction.deleted_at.is_(None),
            Interaction.occurred_at >= since,
            Interaction.occurred_at <= until,
        )
    )
    csat: list[int] = []
    nps: list[int] = []
    for meta in metas:
        if not isinstance(meta, dict):
            continue
        score = meta.get("score")
        if isinstance(score, bool) or not isinstance(score, int):
            continue
        if meta.get("survey") == "csat" and 1 <= score <= 5:
            csat.append(score)
        elif meta.get("survey") == "nps" and 0 <= score <= 10:
            nps.append(score)
    return {
        "since": since,
        "until": until,
        "csat": {
            "responses": len(csat),
            "mean": round(sum(csat) / len(csat), 2) if csat else None,
            "satisfied_share": round(sum(s >= 4 for s in csat) / len(csat), 3) if csat else None,
            "by_score": {str(k): csat.count(k) for k in range(1, 6)},
        },
        "nps": {
            "responses": len(nps),
            "score": round(
                100 * (sum(s >= 9 for s in nps) - sum(s <= 6 for s in nps)) / len(nps), 1
            )
            if nps
            else None,
            "promoters": sum(s >= 9 for s in nps),
            "passives": sum(7 <= s <= 8 for s in nps),
            "detractors": sum(s <= 6 for s in nps),
        },
    }
