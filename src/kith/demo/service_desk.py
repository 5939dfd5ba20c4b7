"""Support tickets with status histories, SLA outcomes and the conversation around them.

Response and resolution times are drawn against the default SLA of the
ticket's priority (``kith.crm.rules.DEFAULT_SLA_MINUTES``): most tickets meet
it, some breach it, and a few urgent breaches get escalated — the mix an SLA
report or a service agent should find.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from kith.crm.rules import DEFAULT_SLA_MINUTES
from kith.demo.plan import ContactFact, PlanBuilder, Ref, TicketFact
from kith.demo.records import add_activity, add_interaction, add_ticket
from kith.demo.vocab import (
    TICKET_CATEGORY_BY_PIPELINE,
    TICKET_FOLLOWUPS_EN,
    TICKET_FOLLOWUPS_ZH,
    TICKET_REPLIES_EN,
    TICKET_REPLIES_ZH,
    TICKET_TOPICS,
    TICKET_TOPICS_EN,
)

PRIORITIES: tuple[tuple[str, int], ...] = (
    ("low", 15),
    ("normal", 50),
    ("high", 25),
    ("urgent", 10),
)
SEVERITY: dict[str, tuple[str, ...]] = {
    "urgent": ("s1", "s1", "s2"),
    "high": ("s2", "s2", "s3"),
    "normal": ("s3",),
    "low": ("s4", "s3"),
}
RECENT_SHARE = 0.12
# Tickets of the last three weeks still waiting on parts, engineers or the customer.
STUCK_SHARE = 0.3
STUCK_WINDOW = timedelta(days=21)
CHANNELS_BUSINESS: tuple[str, ...] = ("email", "wechat", "phone", "phone", "wechat")
CHANNELS_OWNER: tuple[str, ...] = ("app", "app", "chat", "phone", "wechat")


def generate_tickets(b: PlanBuilder, target: int) -> None:
    settled = b.anchor - timedelta(days=5)
    owners = [c for c in b.contacts if c.ev_model and c.primary and not c.persona]
    business = [
        c for c in b.contacts if c.account is not None and not c.persona and c.created < settled
    ]
    for _ in range(max(0, target - len(b.tickets))):
        pool = owners if owners and b.rng.random() < 0.4 else business
        plan_random_ticket(b, b.rng.choice(pool))


def _segment(contact: ContactFact) -> str:
    if contact.account is None:
        return "individual"
    if contact.account.industry == "manufacturing":
        return "manufacturing"
    return contact.account.pipeline


def _assignee(b: PlanBuilder, contact: ContactFact, category: str) -> str:
    if category == "logistics_delay":
        return "user:zhaomin"  # delivery and spare-part delays go to supply chain
    if contact.english:
        return "user:emily"
    return "user:sunli" if b.rng.random() < 0.6 else "user:emily"


def plan_random_ticket(b: PlanBuilder, contact: ContactFact) -> None:
    category = b.rng.choice(TICKET_CATEGORY_BY_PIPELINE[_segment(contact)])
    topics = TICKET_TOPICS_EN if contact.english else TICKET_TOPICS
    subject, description = b.rng.choice(topics[category])
    priority = b.rng.choices([p for p, _ in PRIORITIES], weights=[w for _, w in PRIORITIES])[0]
    # A tenth of the tickets arrived in the last ten days: today's queue.
    recent = b.rng.random() < RECENT_SHARE
    earliest = b.anchor - timedelta(days=10) if recent else max(contact.created, b.start)
    created = b.between(earliest, b.anchor - timedelta(minutes=30))
    created = max(created, contact.created + timedelta(days=3))
    if contact.purchased is not None:
        created = max(created, contact.purchased + timedelta(days=2))
    channels = CHANNELS_OWNER if contact.account is None else CHANNELS_BUSINESS
    channel = "email" if contact.english else b.rng.choice(channels)
    ticket = TicketFact(
        key=b.new_key("ticket"),
        contact=contact,
        account=contact.account,
        assignee=_assignee(b, contact, category),
        category=category,
        created=created,
        path=status_path(b, created, priority),
    )
    add_ticket(
        b,
        ticket,
        subject=subject,
        description=description,
        priority=priority,
        severity=b.rng.choice(SEVERITY[priority]),
        channel=channel,
        escalate_at=escalation(b, ticket, priority),
    )
    plan_ticket_conversation(b, ticket, channel, description)
    plan_ticket_activities(b, ticket)


def status_path(b: PlanBuilder, created: datetime, priority: str) -> list[tuple[str, datetime]]:
    """new → open → (pending → open) → resolved → closed, cut off at the anchor."""
    first_minutes, resolve_minutes = DEFAULT_SLA_MINUTES[priority]
    met = b.rng.random() < 0.82
    responded = created + timedelta(
        minutes=first_minutes * (b.rng.uniform(0.15, 0.95) if met else b.rng.uniform(1.1, 3.0))
    )
    path = [("new", created), ("open", responded)]
    if b.rng.random() < 0.3:
        waiting = responded + timedelta(hours=b.rng.uniform(1, 6))
        path += [("pending", waiting), ("open", waiting + timedelta(hours=b.rng.uniform(8, 72)))]
    if created > b.anchor - STUCK_WINDOW and b.rng.random() < STUCK_SHARE:
        return [(status, at) for status, at in path if at < b.anchor]
    on_time = b.rng.random() < 0.78
    resolve_after = resolve_minutes * (
        b.rng.uniform(0.3, 0.95) if on_time else b.rng.uniform(1.2, 4)
    )
    resolved = max(created + timedelta(minutes=resolve_after), path[-1][1] + timedelta(hours=1))
    path.append(("resolved", resolved))
    if b.rng.random() < 0.85:
        path.append(("closed", resolved + timedelta(days=b.rng.uniform(3, 7))))
    return [(status, at) for status, at in path if at < b.anchor]


def escalation(b: PlanBuilder, ticket: TicketFact, priority: str) -> datetime | None:
    """Urgent and high tickets still unresolved when their SLA runs out get escalated."""
    if priority not in ("urgent", "high"):
        return None
    due = ticket.created + timedelta(minutes=DEFAULT_SLA_MINUTES[priority][1])
    resolved = next((at for status, at in ticket.path if status == "resolved"), None)
    breached = resolved is None or resolved > due
    if breached and due < b.anchor and b.rng.random() < 0.6:
        return due + timedelta(minutes=5)
    return None


def plan_ticket_conversation(
    b: PlanBuilder, ticket: TicketFact, channel: str, description: str
) -> None:
    """The customer's first message, the agent's answers and sometimes a follow-up."""
    english = ticket.contact.english
    replies = TICKET_REPLIES_EN if english else TICKET_REPLIES_ZH
    reply_channel = "wechat" if channel in ("app", "chat") and not english else channel
    inbound_actor = ticket.assignee if channel == "phone" else None
    add_interaction(
        b, ticket.created, ticket.contact, channel, "inbound", "问题反馈" if not english
        else "Support request", description, actor=inbound_actor, ticket=ticket,
    )  # fmt: skip
    answered = False
    for status, at in ticket.path[1:]:
        if status == "open":
            text = b.rng.choice(replies[1:]) if answered else replies[0]
            answered = True
            add_interaction(
                b, at, ticket.contact, reply_channel, "outbound", "回复" if not english
                else "Reply", text, actor=ticket.assignee, ticket=ticket,
            )  # fmt: skip
        elif status == "pending" and b.rng.random() < 0.7:
            followups = TICKET_FOLLOWUPS_EN if english else TICKET_FOLLOWUPS_ZH
            add_interaction(
                b, at + timedelta(hours=2), ticket.contact, channel, "inbound", "补充说明"
                if not english else "Follow-up", b.rng.choice(followups),
                actor=inbound_actor, ticket=ticket,
            )  # fmt: skip
        elif status == "resolved":
            add_interaction(
                b, at, ticket.contact, reply_channel, "outbound", "处理结果" if not english
                else "Resolution", b.rng.choice(replies[1:]), actor=ticket.assignee,
                ticket=ticket,
            )  # fmt: skip


def plan_ticket_activities(b: PlanBuilder, ticket: TicketFact) -> None:
    resolved = next((at for status, at in ticket.path if status == "resolved"), None)
    links: dict[str, Any] = {"ticket_id": Ref(ticket.key), "contact_id": Ref(ticket.contact.key)}
    if resolved is not None and b.rng.random() < 0.45:
        body = "Root cause found and fixed." if ticket.contact.english else "已定位原因并处理完毕。"
        add_activity(b, resolved, ticket.assignee, "note", "处理记录", body=body, **links)
    if resolved is not None and b.rng.random() < 0.25:
        due = resolved + timedelta(days=2)
        add_activity(
            b, resolved, ticket.assignee, "task", f"回访{ticket.contact.name}",
            assignee_id=Ref(ticket.assignee), due_at=due,
            status="done" if due < b.anchor else "open", **links,
        )  # fmt: skip
