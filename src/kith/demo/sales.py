"""Deals with eighteen months of stage history, the selling around them, and orders.

A deal walks its pipeline one stage at a time. How long it stays in a stage
is drawn from that stage's usual range (``StageDef.dwell_days``); a deal the
anchor catches mid-stage simply stays open there. So no generated deal sits in
a stage longer than usual: the one that does is the S10 persona.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from kith.demo.org import PRICES
from kith.demo.plan import AccountFact, ContactFact, DealFact, PlanBuilder, Ref
from kith.demo.records import (
    add_activity,
    add_deal,
    add_interaction,
    add_meeting,
    add_order,
    order_number,
)
from kith.demo.vocab import (
    ACTIVITY_NOTES_EN,
    ACTIVITY_NOTES_ZH,
    ACTIVITY_TASKS_EN,
    ACTIVITY_TASKS_ZH,
    DEAL_MESSAGES_EN,
    DEAL_MESSAGES_ZH,
    DEAL_SOURCES,
    FLEET_OFFERS,
    MEDICAL_OFFERS,
    MEETING_SUBJECTS_EN,
    MEETING_SUBJECTS_ZH,
    STAGES_BY_PIPELINE,
)

TIER_WEIGHT: dict[str, int] = {"strategic": 6, "key": 4, "standard": 2, "smb": 1}
FX_PER_CNY: dict[str, float] = {"CNY": 1.0, "EUR": 1 / 7.8, "USD": 1 / 7.2}
# How reps sign their messages, in Chinese and in English.
REP_NAMES: dict[str, tuple[str, str]] = {
    "user:chenjing": ("陈静", "Jing Chen"),
    "user:wangqiang": ("王强", "Qiang Wang"),
    "user:lina": ("李娜", "Na Li"),
    "user:liuyang": ("刘洋", "Yang Liu"),
}


# --- deals ---------------------------------------------------------------------------


def generate_deals(b: PlanBuilder, target: int) -> None:
    accounts = [a for a in b.accounts if not a.persona and a.contacts]
    weights = [TIER_WEIGHT[a.tier] for a in accounts]
    for _ in range(max(0, target - len(b.deals))):
        account = b.rng.choices(accounts, weights=weights)[0]
        earliest = max(account.created + timedelta(days=2), b.start + timedelta(days=3))
        created = b.between(earliest, b.anchor - timedelta(days=2))
        # The deal's contact is someone the rep already knew when the deal began.
        known = [c for c in account.contacts if c.created < created] or account.contacts[:1]
        contact = b.rng.choice(known)
        created = max(created, contact.created + timedelta(hours=2))
        deal = new_deal(b, account, contact, created)
        deal.path = walk_stages(b, deal.pipeline, created)
        plan_deal(b, deal)


def new_deal(
    b: PlanBuilder,
    account: AccountFact,
    contact: ContactFact,
    created: datetime,
    *,
    key: str | None = None,
    offer_index: int | None = None,
    quantity: int | None = None,
) -> DealFact:
    offers = FLEET_OFFERS if account.pipeline == "fleet" else MEDICAL_OFFERS
    offer = offers[offer_index] if offer_index is not None else b.rng.choice(offers)
    product, low, high, name_zh, name_en = offer
    qty = quantity or b.rng.randint(low, high)
    list_price = float(PRICES[product]) * FX_PER_CNY[account.currency]
    amount = int(round(qty * list_price * b.rng.uniform(0.86, 0.97), -2))
    label = (name_en if account.english else name_zh).format(qty=qty)
    return DealFact(
        key=key or b.new_key("deal"),
        name=f"{account.short_name} · {label}",
        account=account,
        contact=contact,
        owner=account.owner,
        pipeline=account.pipeline,
        offer=product,
        quantity=qty,
        amount=amount,
        created=created,
        path=[(0, created)],
    )


def walk_stages(b: PlanBuilder, pipeline: str, created: datetime) -> list[tuple[int, datetime]]:
    """The stages a deal enters and when, cut off at the anchor (then it is still open)."""
    stages = STAGES_BY_PIPELINE[pipeline]
    won = next(i for i, s in enumerate(stages) if s.kind == "won")
    lost = next(i for i, s in enumerate(stages) if s.kind == "lost")
    path = [(0, created)]
    at = created
    for index, stage in enumerate(stages[:won]):
        dwell = timedelta(days=b.rng.uniform(*stage.dwell_days))
        leaves = max(b.office_time(b.local_day(at + dwell)), at + timedelta(hours=2))
        if leaves >= b.anchor - timedelta(hours=1):
            return path
        if b.rng.random() < stage.loss_chance:
            path.append((lost, leaves))
            return path
        path.append((index + 1 if index + 1 < won else won, leaves))
        at = leaves
    return path


def plan_deal(b: PlanBuilder, deal: DealFact, story: bool = True, order: bool = True) -> None:
    """The deal and its stage moves; by default also its story and, once won, its order."""
    stages = STAGES_BY_PIPELINE[deal.pipeline]
    usual = sum((s.dwell_days[0] + s.dwell_days[1]) / 2 for s in stages if s.kind == "open")
    add_deal(b, deal, deal.created + timedelta(days=usual), b.rng.choice(DEAL_SOURCES))
    if story:
        plan_deal_story(b, deal)
    if order and deal.final_stage.kind == "won":
        plan_deal_order(b, deal)


# --- the selling around a deal ------------------------------------------------------


def plan_deal_story(b: PlanBuilder, deal: DealFact) -> None:
    """Messages, calls, meetings, tasks and notes while the deal is in each stage."""
    stages = STAGES_BY_PIPELINE[deal.pipeline]
    ends = [at for _, at in deal.path[1:]] + [b.anchor - timedelta(hours=1)]
    for (index, entered), left in zip(deal.path, ends, strict=True):
        stage = stages[index]
        if stage.kind != "open":
            break
        if stage.name == "方案演示":
            plan_demo_meeting(b, deal, entered, left)
        if b.rng.random() < 0.4:
            plan_stage_message(b, deal, index, entered, left)
        if b.rng.random() < 0.35:
            plan_stage_activity(b, deal, entered, left)
    if deal.final_stage.kind == "open":
        plan_next_step(b, deal)


def honorific(contact: ContactFact) -> str:
    """How a Chinese rep addresses a contact: 张总, 周主任, 李经理; English keeps the name."""
    if contact.english:
        return contact.name
    family = contact.name[0]
    if "总" in contact.title or contact.title in ("院长", "副院长", "厂长"):
        return f"{family}总"
    if "主任" in contact.title or "站长" in contact.title:
        return f"{family}{contact.title[-2:]}"
    return f"{family}经理"


def _fill(template: str, deal: DealFact) -> str:
    return template.format(
        contact=honorific(deal.contact),
        rep=REP_NAMES[deal.owner][1 if deal.account.english else 0],
        need="fleet vehicles" if deal.account.english else "新能源车辆/设备",
        account=deal.account.short_name,
        offer=deal.name.split(" · ")[-1],
        city=deal.account.city,
    )


def plan_stage_message(
    b: PlanBuilder, deal: DealFact, index: int, entered: datetime, left: datetime
) -> None:
    """The rep writes or calls; about half the time the customer answers."""
    messages = DEAL_MESSAGES_EN if deal.account.english else DEAL_MESSAGES_ZH
    outbound = messages["outbound"][min(index, len(messages["outbound"]) - 1)]
    channel = "email" if deal.account.english or deal.pipeline == "medical" else "wechat"
    if b.rng.random() < 0.2:
        channel = "phone"
    sent = b.between(entered, left)
    add_interaction(
        b,
        sent,
        deal.contact,
        channel,
        "outbound",
        outbound[0],
        _fill(outbound[1], deal),
        actor=deal.owner,
        deal=deal,
    )
    if b.rng.random() < 0.5:
        reply = b.rng.choice(messages["inbound"])
        answered = b.between(sent, min(sent + timedelta(days=4), left))
        if answered < left:
            add_interaction(
                b, answered, deal.contact, channel, "inbound", reply[0], _fill(reply[1], deal),
                actor=deal.owner if channel == "phone" else None, deal=deal,
            )  # fmt: skip


def plan_demo_meeting(b: PlanBuilder, deal: DealFact, entered: datetime, left: datetime) -> None:
    subjects = MEETING_SUBJECTS_EN if deal.account.english else MEETING_SUBJECTS_ZH
    starts = b.between(entered, left)
    attendees = [("user", deal.owner), ("contact", deal.contact.key)]
    if deal.amount > 3_000_000 and deal.owner != "user:chenjing":
        attendees.append(("user", "user:chenjing"))
    add_meeting(
        b,
        starts,
        deal.owner,
        subjects[0].format(account=deal.account.short_name),
        attendees,
        location="客户现场" if not deal.account.english else "Video call",
        deal_id=Ref(deal.key),
        account_id=Ref(deal.account.key),
        contact_id=Ref(deal.contact.key),
        planned_days_before=0 if starts - entered < timedelta(days=2) else 2,
    )


def plan_stage_activity(b: PlanBuilder, deal: DealFact, entered: datetime, left: datetime) -> None:
    english = deal.account.english
    at = b.between(entered, left)
    roll = b.rng.random()
    links: dict[str, Any] = {"deal_id": Ref(deal.key), "account_id": Ref(deal.account.key)}
    if roll < 0.45:
        subject = _fill(b.rng.choice(ACTIVITY_TASKS_EN if english else ACTIVITY_TASKS_ZH), deal)
        due = min(at + timedelta(days=b.rng.randint(1, 5)), left)
        add_activity(
            b, at, deal.owner, "task", subject, assignee_id=Ref(deal.owner),
            due_at=due, status="done", **links,
        )  # fmt: skip
    elif roll < 0.75:
        body = b.rng.choice(ACTIVITY_NOTES_EN if english else ACTIVITY_NOTES_ZH)
        add_activity(
            b, at, deal.owner, "note", "Note" if english else "拜访记录", body=body, **links
        )
    else:
        subject = f"Call with {deal.contact.name}" if english else f"与{deal.contact.name}电话沟通"
        add_activity(
            b, at, deal.owner, "call", subject, status="done", contact_id=Ref(deal.contact.key),
            body="Discussed timeline and budget." if english else "沟通了预算和时间表。",
            **links,
        )  # fmt: skip


def plan_next_step(b: PlanBuilder, deal: DealFact) -> None:
    """Every open deal has a next step on its owner's list; some are overdue."""
    english = deal.account.english
    subject = _fill(b.rng.choice(ACTIVITY_TASKS_EN if english else ACTIVITY_TASKS_ZH), deal)
    last_move = deal.path[-1][1]
    planned = b.between(last_move, b.anchor - timedelta(minutes=30))
    due = b.local(b.local_day(b.anchor) + timedelta(days=b.rng.randint(-4, 10)), 18)
    add_activity(
        b, planned, deal.owner, "task", subject, assignee_id=Ref(deal.owner), due_at=due,
        deal_id=Ref(deal.key), account_id=Ref(deal.account.key),
    )  # fmt: skip


def plan_deal_order(b: PlanBuilder, deal: DealFact) -> None:
    """The ERP books the order some days after the deal is won."""
    closed = deal.closed_at
    assert closed is not None
    ordered = b.between(closed + timedelta(days=2), closed + timedelta(days=12))
    if ordered >= b.anchor:
        return
    age = b.anchor - ordered
    status = "delivered" if age > timedelta(days=45) else "paid"
    if timedelta(days=10) < age <= timedelta(days=45):
        status = "shipped"
    unit = Decimal(deal.amount) / deal.quantity
    add_order(
        b,
        ordered,
        order_number(b, ordered),
        deal.contact,
        [(deal.offer, deal.quantity, unit.quantize(Decimal("0.01")))],
        status,
        deal.account.currency,
    )


# --- activities not tied to a deal ---------------------------------------------------


def fill_activities(b: PlanBuilder, target: int) -> None:
    """Account reviews, visit notes and internal to-dos, up to the requested count."""
    accounts = [a for a in b.accounts if not a.persona and a.contacts]
    missing = target - b.count("activity")
    for _ in range(max(0, missing)):
        roll = b.rng.random()
        if roll < 0.08:
            plan_internal_task(b)
            continue
        account = b.rng.choice(accounts)
        contact = b.rng.choice(account.contacts)
        at = b.between(max(contact.created, b.start), b.anchor - timedelta(hours=1))
        links: dict[str, Any] = {"account_id": Ref(account.key), "contact_id": Ref(contact.key)}
        if roll < 0.3:
            subjects = MEETING_SUBJECTS_EN if account.english else MEETING_SUBJECTS_ZH
            add_meeting(
                b, at, account.owner, subjects[-1].format(account=account.short_name),
                [("user", account.owner), ("contact", contact.key)], hours=1.0,
                location="Video call" if account.english else "腾讯会议", **links,
            )  # fmt: skip
        elif roll < 0.65:
            notes = ACTIVITY_NOTES_EN if account.english else ACTIVITY_NOTES_ZH
            add_activity(b, at, account.owner, "note", "Account note" if account.english
                         else "客户拜访记录", body=b.rng.choice(notes), **links)  # fmt: skip
        else:
            add_activity(
                b, at, account.owner, "call", f"Call {contact.name}" if account.english
                else f"回访{contact.name}", status="done", **links,
            )  # fmt: skip


INTERNAL_TASKS: tuple[tuple[str, str], ...] = (
    ("user:wuting", "准备冬季关怀活动素材"),
    ("user:wuting", "整理展会线索并分配给销售"),
    ("user:chenjing", "审核本月销售预测"),
    ("user:chenjing", "团队周会：复盘停滞商机"),
    ("user:sunli", "整理本周工单 SLA 报告"),
    ("user:zhaomin", "核对 V9 车型交付排期"),
)


def plan_internal_task(b: PlanBuilder) -> None:
    owner, subject = b.rng.choice(INTERNAL_TASKS)
    at = b.between(b.anchor - timedelta(days=120), b.anchor - timedelta(hours=1))
    due = at + timedelta(days=b.rng.randint(1, 14))
    status = "done" if due < b.anchor and b.rng.random() < 0.85 else "open"
    add_activity(b, at, owner, "task", subject, assignee_id=Ref(owner), due_at=due, status=status)
