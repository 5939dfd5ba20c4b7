"""Turning facts into planned service calls, one helper per kind of record.

Both the persona module and the bulk generators go through these helpers, so
a persona record is made exactly like any other record of its kind.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from kith.demo.plan import AccountFact, ContactFact, DealFact, PlanBuilder, Ref, TicketFact
from kith.demo.vocab import LOST_REASONS_EN, LOST_REASONS_ZH, STAGES_BY_PIPELINE

# Which integration records an inbound message arriving on each channel.
CHANNEL_INTEGRATION: dict[str, str] = {
    "app": "bot:app",
    "wechat": "bot:wecom",
    "email": "bot:mail",
    "chat": "bot:chat",
    "web": "bot:web",
    "iot": "bot:iot",
    "sms": "bot:marketing",
}


def stage_ref(pipeline: str, stage_name: str) -> Ref:
    return Ref(f"stage:pipeline:{pipeline}:{stage_name}")


def pipeline_ref(pipeline: str) -> Ref:
    return Ref(f"pipeline:{pipeline}")


def add_account(b: PlanBuilder, a: AccountFact, actor: str | None = None, **details: Any) -> None:
    """The owner creates the account (sales reps may only create their own)."""
    b.create(
        "account",
        a.key,
        a.created,
        actor or a.owner,
        name=a.name,
        short_name=a.short_name,
        industry=a.industry,
        tier=a.tier,
        city=a.city,
        country=a.country,
        owner_id=Ref(a.owner),
        **details,
    )
    b.accounts.append(a)


def add_finance_details(b: PlanBuilder, a: AccountFact, tax_id: str, bank: str) -> None:
    """Finance data is entered by the admin: sales roles may not write these fields."""
    at = b.between(a.created + timedelta(days=2), a.created + timedelta(days=20))
    b.update("account", a.key, min(at, b.anchor), "user:zhouming", tax_id=tax_id, bank_account=bank)


def add_contact(b: PlanBuilder, c: ContactFact, actor: str | None = None, **details: Any) -> None:
    fields: dict[str, Any] = {"name": c.name, "title": c.title, "city": c.city, **details}
    if c.account is not None:
        fields["account_id"] = Ref(c.account.key)
        c.account.contacts.append(c)
    if c.owner is not None:
        fields["owner_id"] = Ref(c.owner)
    fields.setdefault("language", "en" if c.english else "zh")
    b.create("contact", c.key, c.created, actor or c.owner or "bot:app", **fields)
    b.contacts.append(c)


def add_deal(b: PlanBuilder, d: DealFact, expected_close: datetime, source: str) -> None:
    """Create the deal in its first stage, then move it along its path as the owner."""
    stages = STAGES_BY_PIPELINE[d.pipeline]
    first_index, created = d.path[0]
    b.create(
        "deal",
        d.key,
        created,
        d.owner,
        name=d.name,
        account_id=Ref(d.account.key),
        contact_id=Ref(d.contact.key),
        pipeline_id=pipeline_ref(d.pipeline),
        stage_id=stage_ref(d.pipeline, stages[first_index].name),
        amount=Decimal(d.amount),
        currency=d.account.currency,
        expected_close=b.local_day(expected_close),
        source=source,
        owner_id=Ref(d.owner),
    )
    for index, entered in d.path[1:]:
        stage = stages[index]
        changes: dict[str, Any] = {"stage_id": stage_ref(d.pipeline, stage.name)}
        if stage.kind == "lost":
            reasons = LOST_REASONS_EN if d.account.english else LOST_REASONS_ZH
            changes["lost_reason"] = b.rng.choice(reasons)
        b.update("deal", d.key, entered, d.owner, **changes)
    b.deals.append(d)


def add_ticket(
    b: PlanBuilder,
    t: TicketFact,
    *,
    subject: str,
    description: str,
    priority: str,
    severity: str,
    channel: str,
    escalate_at: datetime | None = None,
) -> None:
    fields: dict[str, Any] = {
        "subject": subject,
        "description": description,
        "contact_id": Ref(t.contact.key),
        "priority": priority,
        "severity": severity,
        "category": t.category,
        "channel": channel,
        "assignee_id": Ref(t.assignee),
        "team_id": Ref("team:supply" if t.assignee == "user:zhaomin" else "team:service"),
        "owner_id": Ref(t.assignee),
    }
    if t.account is not None:
        fields["account_id"] = Ref(t.account.key)
    b.create("ticket", t.key, t.created, t.assignee, **fields)
    for status, at in t.path[1:]:
        b.update("ticket", t.key, at, t.assignee, status=status)
    if escalate_at is not None:
        b.update("ticket", t.key, escalate_at, t.assignee, escalated=True)
    b.tickets.append(t)


def add_interaction(
    b: PlanBuilder,
    at: datetime,
    contact: ContactFact,
    channel: str,
    direction: str,
    subject: str,
    text: str | None,
    *,
    actor: str | None = None,
    meta: dict[str, Any] | None = None,
    deal: DealFact | None = None,
    ticket: TicketFact | None = None,
    key: str | None = None,
) -> datetime:
    """A message or event; inbound ones are recorded by the channel's integration."""
    if actor is None:
        actor = CHANNEL_INTEGRATION[channel] if direction == "inbound" else contact_owner(contact)
    fields: dict[str, Any] = {
        "channel": channel,
        "direction": direction,
        "contact_id": Ref(contact.key),
        "subject": subject,
        "text": text,
        "meta": meta or {},
    }
    owner = actor if actor.startswith("user:") else contact_owner(contact)
    fields["owner_id"] = Ref(owner)
    if deal is not None:
        fields["deal_id"] = Ref(deal.key)
    if ticket is not None:
        fields["ticket_id"] = Ref(ticket.key)
    key = key or b.new_key("ix")
    return b.create("interaction", key, at, actor, at_field="occurred_at", **fields)


def contact_owner(contact: ContactFact) -> str:
    if contact.owner is not None:
        return contact.owner
    return contact.account.owner if contact.account is not None else "user:lina"


def add_activity(
    b: PlanBuilder,
    at: datetime,
    actor: str,
    kind: str,
    subject: str,
    *,
    key: str | None = None,
    **fields: Any,
) -> datetime:
    fields.setdefault("owner_id", Ref(actor))
    return b.create(
        "activity", key or b.new_key("act"), at, actor, kind=kind, subject=subject, **fields
    )


def add_meeting(
    b: PlanBuilder,
    starts: datetime,
    actor: str,
    subject: str,
    attendees: list[tuple[str, str]],
    *,
    hours: float = 1.5,
    planned_days_before: int = 5,
    **fields: Any,
) -> datetime:
    """A calendar event, planned some days before it starts; attendees are (kind, key)."""
    people = [
        {"kind": kind, "ref": Ref(key) if kind != "email" else key, "response": "accepted"}
        for kind, key in attendees
    ]
    # Booked some days ahead, but not before the people and records it is about exist.
    booked = max(
        starts - timedelta(days=planned_days_before),
        b.ready_at({"links": fields, "attendees": people}),
    )
    planned = min(booked, starts, b.anchor)
    return add_activity(
        b,
        planned,
        actor,
        "meeting",
        subject,
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours),
        attendees=people,
        status="done" if starts < b.anchor else "open",
        **fields,
    )


def add_order(
    b: PlanBuilder,
    at: datetime,
    number: str,
    contact: ContactFact,
    lines: list[tuple[str, int, Decimal]],
    status: str,
    currency: str = "CNY",
    key: str | None = None,
) -> None:
    """Orders arrive from the ERP integration; lines are (product key, quantity, unit price)."""
    fields: dict[str, Any] = {
        "number": number,
        "contact_id": Ref(contact.key),
        "status": status,
        "currency": currency,
        "owner_id": Ref(contact_owner(contact)),
        "lines": [
            {"product_id": Ref(f"product:{p}"), "quantity": q, "unit_price": price}
            for p, q, price in lines
        ],
    }
    if contact.account is not None:
        fields["account_id"] = Ref(contact.account.key)
    b.create("order", key or b.new_key("order"), at, "bot:erp", at_field="ordered_at", **fields)


def order_number(b: PlanBuilder, at: datetime) -> str:
    return f"SO{b.local_day(at):%Y%m%d}-{b.new_key('order-number').split(':')[1]}"
