"""The stream of customer signals: battery telemetry, web visits, app and chat
messages, marketing sends and everyday WeChat, phone and e-mail contact.

Telemetry comes first (every EV owner reports, the scenarios depend on it);
the other kinds then fill the interaction count up to the requested total.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from kith.demo.customers import largest_remainder
from kith.demo.plan import ContactFact, PlanBuilder
from kith.demo.records import add_interaction
from kith.demo.vocab import (
    CAMPAIGN_DAYS_AGO,
    CITY_BY_NAME,
    CLIMATE,
    GENERAL_EMAIL,
    GENERAL_EMAIL_EN,
    GENERAL_PHONE,
    GENERAL_PHONE_EN,
    GENERAL_WECHAT,
    HARBIN_COHORT_BATCH,
    MARKETING_MESSAGES,
    MODEL_LABELS,
    OWNER_APP_MESSAGES,
    OWNER_CHAT_MESSAGES,
    RATED_RANGE_KM,
    REMOTE_QC_PAGE,
    REMOTE_QC_URL,
    WEB_PAGES,
    WEB_REFERRERS,
)

TELEMETRY_SUBJECT = "电池遥测 Battery telemetry"
FLEET_PAGES = WEB_PAGES[:5] + WEB_PAGES[7:]
MEDICAL_PAGES = (WEB_PAGES[0], *WEB_PAGES[5:8])


# --- telemetry ------------------------------------------------------------------------


def generate_telemetry(b: PlanBuilder) -> None:
    """Monthly readings for a quarter (a year for the Harbin cohort), weekly lately."""
    for owner in b.contacts:
        if owner.ev_model is None or not owner.primary:
            continue
        cohort = owner.cell_batch == HARBIN_COHORT_BATCH
        for at in telemetry_times(b, owner, months=12 if cohort else 3, weeks=6 if cohort else 2):
            add_interaction(
                b,
                at,
                owner,
                "iot",
                "inbound",
                TELEMETRY_SUBJECT,
                None,
                meta=telemetry_reading(b, owner, at),
            )


def telemetry_times(b: PlanBuilder, owner: ContactFact, months: int, weeks: int) -> list[datetime]:
    assert owner.purchased is not None
    first = owner.purchased + timedelta(days=10)
    monthly = [b.anchor - timedelta(days=30 * m + 25) for m in range(months - 1, -1, -1)]
    weekly = [b.anchor - timedelta(days=7 * w) for w in range(weeks, 0, -1)]
    times = [b.any_time(b.local_day(t)) for t in monthly + weekly]
    return [t for t in times if first < t < b.anchor]


def telemetry_reading(b: PlanBuilder, owner: ContactFact, at: datetime) -> dict[str, Any]:
    """Battery state of health falls with age; cold weather cuts the range estimate."""
    assert owner.purchased is not None and owner.ev_model is not None
    months = (at - owner.purchased).days / 30.4
    soh = 100 - owner.soh_loss_per_month * months - b.rng.uniform(0, 0.4)
    month = b.local_day(at).month
    ambient = CLIMATE[CITY_BY_NAME[owner.city].zone][month - 1] + b.rng.uniform(-4, 4)
    battery = ambient + b.rng.uniform(6, 14)
    soc = b.rng.randint(18, 96)
    weather = (1 + min(0.0, ambient) * 0.018) * (1 - max(0.0, ambient - 30) * 0.01)
    estimate = RATED_RANGE_KM[owner.ev_model] * soc / 100 * soh / 100 * weather
    return {
        "vin": owner.vin,
        "model": MODEL_LABELS[owner.ev_model],
        "region": owner.city,
        "cell_batch": owner.cell_batch,
        "soh_pct": round(soh, 1),
        "battery_temp_c": round(battery, 1),
        "ambient_temp_c": round(ambient, 1),
        "soc_pct": soc,
        "range_km_est": int(estimate),
        "odometer_km": int(months * owner.km_per_month),
    }


# --- everything else, up to the requested total ---------------------------------------


def fill_interactions(b: PlanBuilder, target: int) -> None:
    missing = target - b.count("interaction")
    if missing <= 0:
        return
    pools = Pools(b)
    kinds: list[tuple[Callable[[PlanBuilder, Pools], None], float]] = [
        (web_visit, 0.28 if pools.business else 0),
        (app_message, 0.14 if pools.owners else 0),
        (chat_message, 0.08 if pools.owners else 0),
        (marketing_send, 0.22 if pools.owners else 0),
        (wechat_message, 0.14 if pools.chinese_business else 0),
        (phone_call, 0.09 if pools.business else 0),
        (email_message, 0.05 if pools.business else 0),
    ]
    counts = largest_remainder(missing, [w for _, w in kinds])
    for (make, _weight), n in zip(kinds, counts, strict=True):
        for _ in range(n):
            make(b, pools)


class Pools:
    """Who the random signals may come from: never a persona (they have their own)."""

    def __init__(self, b: PlanBuilder) -> None:
        settled = b.anchor - timedelta(days=2)
        self.business = [
            c for c in b.contacts if c.account is not None and not c.persona and c.created < settled
        ]
        self.chinese_business = [c for c in self.business if not c.english]
        self.owners = [c for c in b.contacts if c.account is None and not c.persona]
        self.remote_qc_visitors: set[str] = set()


def _moment(b: PlanBuilder, contact: ContactFact, office: bool = True) -> datetime:
    """Some time in the window while we knew this contact."""
    after = max(contact.created + timedelta(hours=2), b.start)
    return b.between(after, b.anchor - timedelta(hours=1), office)


def web_visit(b: PlanBuilder, pools: Pools) -> None:
    """An identified visitor reads a product page (the remote-QC page at most once each)."""
    contact = b.rng.choice(pools.business)
    pages = (
        MEDICAL_PAGES if contact.account and contact.account.pipeline == "medical" else FLEET_PAGES
    )
    page, url = b.rng.choice(pages)
    medical = pages is MEDICAL_PAGES
    if medical and contact.key not in pools.remote_qc_visitors and b.rng.random() < 0.08:
        page, url = REMOTE_QC_PAGE, REMOTE_QC_URL
        pools.remote_qc_visitors.add(contact.key)
    add_interaction(
        b,
        _moment(b, contact),
        contact,
        "web",
        "inbound",
        f"浏览页面：{page}",
        None,
        meta=web_meta(b, page, url, contact.key),
    )


def web_meta(b: PlanBuilder, page: str, url: str, visitor: str) -> dict[str, Any]:
    return {
        "page": page,
        "url": url,
        "duration_s": b.rng.randint(15, 600),
        "referrer": b.rng.choice(WEB_REFERRERS),
        "visitor_id": "v-" + visitor.split(":")[-1],
    }


def app_message(b: PlanBuilder, pools: Pools) -> None:
    owner = b.rng.choice(pools.owners)
    subject, text = b.rng.choice(OWNER_APP_MESSAGES)
    meta = {"vin": owner.vin, "model": MODEL_LABELS.get(owner.ev_model or "", None)}
    meta["app_version"] = b.rng.choice(("5.1.4", "5.2.0", "5.2.1"))
    add_interaction(
        b, _moment(b, owner, office=False), owner, "app", "inbound", subject, text, meta=meta
    )


def chat_message(b: PlanBuilder, pools: Pools) -> None:
    contact = b.rng.choice(pools.owners + pools.chinese_business)
    subject, text = b.rng.choice(OWNER_CHAT_MESSAGES)
    asked = _moment(b, contact, office=False)
    if b.rng.random() < 0.5:
        add_interaction(b, asked, contact, "chat", "inbound", subject, text)
    else:
        add_interaction(
            b, asked, contact, "chat", "outbound", "在线客服回复",
            "您好，已为您查询：" + text.rstrip("？") + "，详细政策已发送到您的手机。",
            actor=b.rng.choice(("user:sunli", "user:emily")),
        )  # fmt: skip


def marketing_send(b: PlanBuilder, pools: Pools) -> None:
    """A campaign message from the marketing automation to a car owner."""
    campaign, subject, text = b.rng.choice(MARKETING_MESSAGES)
    sent_day = b.local_day(b.anchor) - timedelta(days=CAMPAIGN_DAYS_AGO[campaign])
    sent = b.local(sent_day, 10, b.rng.randint(0, 59))
    candidates = [c for c in pools.owners if c.created < sent] or pools.owners
    owner = b.rng.choice(candidates)
    add_interaction(
        b,
        max(sent, owner.created + timedelta(hours=1)),
        owner,
        b.rng.choice(("sms", "wechat", "app")),
        "outbound",
        subject,
        text,
        actor="bot:marketing",
        meta={"purpose": "marketing", "campaign": campaign},
    )


def wechat_message(b: PlanBuilder, pools: Pools) -> None:
    contact = b.rng.choice(pools.chinese_business)
    subject, text = b.rng.choice(GENERAL_WECHAT)
    direction = b.rng.choice(("inbound", "outbound"))
    add_interaction(b, _moment(b, contact), contact, "wechat", direction, subject, text)


def phone_call(b: PlanBuilder, pools: Pools) -> None:
    """Calls are logged by the account owner, whichever side dialled."""
    contact = b.rng.choice(pools.business)
    subject, text = b.rng.choice(GENERAL_PHONE_EN if contact.english else GENERAL_PHONE)
    owner = contact.owner or "user:lina"
    add_interaction(
        b, _moment(b, contact), contact, "phone", b.rng.choice(("inbound", "outbound")),
        subject, text, actor=owner, meta={"duration_s": b.rng.randint(45, 1500)},
    )  # fmt: skip


def email_message(b: PlanBuilder, pools: Pools) -> None:
    contact = b.rng.choice(pools.business)
    subject, text = b.rng.choice(GENERAL_EMAIL_EN if contact.english else GENERAL_EMAIL)
    direction = b.rng.choice(("inbound", "outbound"))
    add_interaction(b, _moment(b, contact), contact, "email", direction, subject, text)
