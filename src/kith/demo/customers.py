"""Accounts, their contacts, individual EV owners and leads, in bulk.

Personas are planned first (``personas.py``); these generators fill up to the
requested counts around them and never produce a record that would make a
persona ambiguous (no other 张 with a 总 title, no second 张建国 ...).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from kith.demo import people
from kith.demo.org import PRICES
from kith.demo.plan import AccountFact, ContactFact, PlanBuilder, Ref
from kith.demo.records import (
    add_account,
    add_contact,
    add_finance_details,
    add_interaction,
    add_order,
    order_number,
)
from kith.demo.vocab import (
    BRANDS,
    CITIES,
    CITY_BY_NAME,
    COMPANY_FORMS,
    FOREIGN_PLACES,
    HOSPITAL_BRANDS,
    HOSPITAL_KINDS,
    INDIVIDUAL_TITLE,
    INDUSTRIES,
    LEAD_SOURCES,
    Industry,
)

TIERS: tuple[tuple[str, int, int], ...] = (
    # tier, weight among accounts, contacts per account
    ("strategic", 5, 7),
    ("key", 20, 5),
    ("standard", 50, 4),
    ("smb", 25, 3),
)
EMPLOYEES: dict[str, tuple[int, int]] = {
    "strategic": (2000, 20000),
    "key": (500, 3000),
    "standard": (100, 800),
    "smb": (10, 120),
}
INDIVIDUAL_SHARE = 0.17  # of all contacts: private EV owners, the rest work for accounts
NORMAL_BATCHES: tuple[str, ...] = ("CB-2407A", "CB-2410B", "CB-2501A", "CB-2503C", "CB-2506A")
FOREIGN_SHARE = 0.08
MIN_BULK_ACCOUNTS = 6
EXISTING_SHARE = 0.4  # accounts that were customers before the eighteen-month window


def ambiguous_for_zhang_zong(family: str, given: str, title: str) -> bool:
    """S2 resolves 张总 by family name + a 总 title; only 张建国 may match."""
    return family == "张" and ("总" in title or given == "建国")


def chinese_contact_name(b: PlanBuilder, title: str) -> people.PersonName:
    """A random name that cannot be mistaken for a persona (see above)."""

    def reject(family: str, given: str) -> bool:
        return ambiguous_for_zhang_zong(family, given, title) or family + given in b.used_names

    return people.chinese_name(b.rng, reject)


def largest_remainder(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights``; the parts sum to ``total`` exactly."""
    if total <= 0 or not weights:
        return [0] * len(weights)
    whole = sum(weights)
    raw = [total * w / whole for w in weights]
    parts = [int(r) for r in raw]
    by_fraction = sorted(range(len(raw)), key=lambda i: (parts[i] - raw[i], i))
    for i in by_fraction[: total - sum(parts)]:
        parts[i] += 1
    return parts


def early_skewed_time(b: PlanBuilder, latest: datetime) -> datetime:
    """Many customers predate the window; more join early in it, then a steady trickle."""
    if b.rng.random() < EXISTING_SHARE:
        before = b.start - timedelta(days=b.rng.uniform(5, 400))
        return b.office_time(b.local_day(before))
    span_days = max(1.0, (latest - b.start).total_seconds() / 86400)
    offset = timedelta(days=b.rng.betavariate(1.1, 2.6) * span_days)
    return b.office_time(b.local_day(b.start + offset))


def unique_email(b: PlanBuilder, local: str, domain: str) -> str:
    email = f"{local}@{domain}"
    n = 1
    while email in b.used_emails:
        n += 1
        email = f"{local}{n}@{domain}"
    b.used_emails.add(email)
    return email


# --- accounts -------------------------------------------------------------------


def generate_accounts(b: PlanBuilder, target: int) -> None:
    # Some ordinary accounts even at tiny scales, so deals and tickets have somewhere to go.
    missing = max(MIN_BULK_ACCOUNTS, target - len(b.accounts))
    counts = largest_remainder(missing, [i.share for i in INDUSTRIES])
    for industry, n in zip(INDUSTRIES, counts, strict=True):
        foreign_names = list(industry.english_names)
        for _ in range(n):
            if foreign_names and b.rng.random() < FOREIGN_SHARE:
                plan_foreign_account(b, industry, foreign_names.pop(0))
            else:
                plan_chinese_account(b, industry)


def _tier(b: PlanBuilder) -> str:
    return b.rng.choices([t[0] for t in TIERS], weights=[t[1] for t in TIERS])[0]


def _company_name(b: PlanBuilder, industry: Industry, city: str) -> tuple[str, str, str]:
    """(full name, short name, web domain), unique within the dataset."""
    taken = {a.name for a in b.accounts}
    while True:
        if industry.slug == "healthcare":
            brand, brand_py = b.rng.choice(HOSPITAL_BRANDS)
            kind = b.rng.choice(HOSPITAL_KINDS)
            name, short = f"{city}{brand}{kind}", f"{brand}{kind}"
        else:
            brand, brand_py = b.rng.choice(BRANDS)
            suffix, short_suffix = b.rng.choice(industry.suffixes)
            name = f"{city}{brand}{suffix}{b.rng.choice(COMPANY_FORMS)}"
            short = f"{brand}{short_suffix}"
        if name not in taken:
            break
    domain = f"{brand_py}-{industry.domain_word}.example"
    if domain in b.used_domains:
        domain = f"{brand_py}-{industry.domain_word}-{CITY_BY_NAME[city].pinyin}.example"
    b.used_domains.add(domain)
    return name, short, domain


def plan_chinese_account(b: PlanBuilder, industry: Industry) -> AccountFact:
    city = b.rng.choice(CITIES)
    tier = _tier(b)
    name, short, domain = _company_name(b, industry, city.name)
    owner = industry.owner
    if tier == "strategic" and industry.pipeline == "fleet":
        owner = "user:chenjing"  # the sales manager keeps the largest fleet accounts
    account = AccountFact(
        key=b.new_key("acct"),
        name=name,
        short_name=short,
        industry=industry.slug,
        pipeline=industry.pipeline,
        city=city.name,
        country="CN",
        currency="CNY",
        owner=owner,
        english=False,
        tier=tier,
        created=early_skewed_time(b, b.anchor - timedelta(days=45)),
        domain=domain,
    )
    employees = b.rng.randint(*EMPLOYEES[tier])
    add_account(
        b,
        account,
        website=f"www.{domain}",
        email=f"info@{domain}",
        phone=people.landline(b.rng, city.area_code),
        address=f"{city.name}市{b.rng.choice(city.districts)}{b.rng.choice(city.roads)}"
        f"{b.rng.randint(1, 2999)}号",
        employees=employees,
        annual_revenue=Decimal(round(employees * b.rng.uniform(3e5, 1.5e6), -4)),
    )
    if tier in ("strategic", "key"):
        area = people.AREA_CODES[city.name]
        add_finance_details(b, account, people.credit_code(b.rng, area), people.bank_account(b.rng))
    return account


def plan_foreign_account(b: PlanBuilder, industry: Industry, name: str) -> AccountFact:
    place = b.rng.choice(FOREIGN_PLACES)
    slug = "".join(ch for ch in name.split()[0].lower() if ch.isalnum())
    account = AccountFact(
        key=b.new_key("acct"),
        name=name,
        short_name=" ".join(name.split()[:2]),
        industry=industry.slug,
        pipeline=industry.pipeline,
        city=place.city,
        country=place.country,
        currency=place.currency,
        owner="user:wangqiang" if industry.pipeline == "fleet" else "user:liuyang",
        english=True,
        tier=b.rng.choice(("key", "standard")),
        created=early_skewed_time(b, b.anchor - timedelta(days=60)),
        domain=f"{slug}.example",
    )
    b.used_domains.add(account.domain)
    add_account(
        b,
        account,
        website=f"www.{slug}.example",
        email=f"hello@{slug}.example",
        phone=people.foreign_phone(b.rng, place.phone_prefix),
        employees=b.rng.randint(80, 4000),
    )
    return account


# --- contacts of accounts ----------------------------------------------------------


def generate_business_contacts(b: PlanBuilder, target: int) -> None:
    accounts = [a for a in b.accounts if not a.persona]
    per_tier = {tier: float(n) for tier, _weight, n in TIERS}
    weights = [per_tier[a.tier] for a in accounts]
    for account, n in zip(accounts, largest_remainder(target, weights), strict=True):
        plan_account_contacts(b, account, n)


def plan_account_contacts(b: PlanBuilder, account: AccountFact, n: int) -> None:
    industry = next(i for i in INDUSTRIES if i.slug == account.industry)
    titles = list(industry.english_titles if account.english else industry.titles)
    b.rng.shuffle(titles)
    if not account.english:
        # Most companies' first contact is the one at the top.
        titles.sort(key=lambda t: t != industry.titles[0])
    for i in range(n):
        title, department = titles[i % len(titles)]
        # The first contact arrives with the account; colleagues join over the months.
        latest = account.created + timedelta(days=2 if i == 0 else 400)
        created = b.between(account.created, min(latest, b.anchor - timedelta(days=3)))
        plan_business_contact(b, account, title, department, created)


def plan_business_contact(
    b: PlanBuilder, account: AccountFact, title: str, department: str, created: datetime
) -> ContactFact:
    name = people.english_name(b.rng) if account.english else chinese_contact_name(b, title)
    contact = ContactFact(
        key=b.new_key("contact"),
        name=name.name,
        title=title,
        account=account,
        owner=account.owner,
        english=account.english,
        city=account.city,
        created=created,
    )
    details = contact_channels(b, name, account.domain, account.english)
    add_contact(
        b,
        contact,
        family_name=name.family,
        given_name=name.given,
        department=department,
        **details,
    )
    return contact


def contact_channels(
    b: PlanBuilder, name: people.PersonName, domain: str, english: bool
) -> dict[str, Any]:
    """E-mail for everyone; mobile, office phone and WeChat for most Chinese contacts."""
    details: dict[str, Any] = {"email": unique_email(b, name.email_local, domain)}
    channels: list[dict[str, str]] = []
    if not english and b.rng.random() < 0.85:
        details["mobile"] = people.mobile(b.rng)
        channels.append({"type": "mobile", "value": details["mobile"]})
    if not english and b.rng.random() < 0.55:
        details["wechat_id"] = f"{name.email_local.replace('.', '_')}{b.rng.randint(1, 99)}"
        channels.append({"type": "wechat", "value": details["wechat_id"]})
    if details.get("mobile") is None and b.rng.random() < 0.6:
        details["phone"] = people.mobile(b.rng) if not english else "+1 213 555 0147"
    details["channels"] = channels
    return details


# --- private EV owners --------------------------------------------------------------


def generate_individuals(b: PlanBuilder, target: int) -> None:
    for _ in range(max(0, target)):
        city = b.rng.choice(CITIES)
        purchased = b.between(b.start + timedelta(days=10), b.anchor - timedelta(days=40))
        name = people.chinese_name(b.rng, lambda f, g: f + g in b.used_names)
        plan_ev_owner(
            b,
            key=b.new_key("contact"),
            name=name,
            city=city.name,
            model=b.rng.choice(("e5", "e5", "e5", "e7", "e7")),
            purchased=purchased,
            batch=b.rng.choice(NORMAL_BATCHES),
            soh_loss_per_month=b.rng.uniform(0.12, 0.3),
        )


def plan_ev_owner(
    b: PlanBuilder,
    *,
    key: str,
    name: people.PersonName,
    city: str,
    model: str,
    purchased: datetime,
    batch: str,
    soh_loss_per_month: float,
    persona: bool = False,
    email: str | None = None,
    mobile: str | None = None,
    wechat_id: str | None = None,
) -> ContactFact:
    """An app user who bought a car: the app creates the contact, the ERP the order."""
    contact = ContactFact(
        key=key,
        name=name.name,
        title=INDIVIDUAL_TITLE,
        account=None,
        owner="user:lina",
        english=False,
        city=city,
        created=purchased - timedelta(days=b.rng.randint(2, 12)),
        ev_model=model,
        vin=people.vin(b.rng, model),
        cell_batch=batch,
        purchased=purchased,
        soh_loss_per_month=soh_loss_per_month,
        km_per_month=b.rng.randint(900, 2600),
        persona=persona,
    )
    mobile = mobile or people.mobile(b.rng)
    app_user = f"HC-APP-{b.rng.randint(100000, 999999)}"
    details: dict[str, Any] = {
        "family_name": name.family,
        "given_name": name.given,
        "mobile": mobile,
        "app_user_id": app_user,
        "id_number": people.resident_id(b.rng, people.AREA_CODES[city], b.rng.randint(1965, 2001)),
        "channels": [{"type": "mobile", "value": mobile}, {"type": "app", "value": app_user}],
    }
    if wechat_id:
        details["wechat_id"] = wechat_id
        details["channels"].append({"type": "wechat", "value": wechat_id})
    if email:
        b.used_emails.add(email)
    if email or b.rng.random() < 0.5:
        details["email"] = email or unique_email(
            b, name.email_local.replace(".", ""), "mail.example"
        )
    add_contact(b, contact, actor="bot:app", **details)
    plan_car_purchase(b, contact)
    # Owners opt in to marketing when they activate the app at delivery; the loader
    # records the statement in the consent ledger, which the gateway checks.
    add_interaction(
        b, purchased + timedelta(hours=2), contact, "app", "inbound", "营销授权：同意接收营销信息",
        "App 激活时开启：接收车辆相关的营销信息与优惠。",
        meta={"event": "consent.granted", "purpose": "marketing", "channels": ["*"],
              "source": "app.activation"},
    )  # fmt: skip
    return contact


def plan_car_purchase(b: PlanBuilder, owner: ContactFact) -> None:
    assert owner.purchased is not None and owner.ev_model is not None
    lines = [(owner.ev_model, 1, PRICES[owner.ev_model])]
    if b.rng.random() < 0.5:
        lines.append(("charger", 1, PRICES["charger"]))
    if b.rng.random() < 0.3:
        lines.append(("warranty", 1, PRICES["warranty"]))
    add_order(b, owner.purchased, order_number(b, owner.purchased), owner, lines, "delivered")


# --- leads -----------------------------------------------------------------------------


def generate_leads(b: PlanBuilder, target: int) -> None:
    """Marketing captures leads and hands them to the rep of the industry."""
    for _ in range(target):
        industry = b.rng.choice(INDUSTRIES)
        english = b.rng.random() < 0.1
        city = b.rng.choice(CITIES)
        title, _department = b.rng.choice(industry.english_titles if english else industry.titles)
        if english:
            name = people.english_name(b.rng)
            company = f"{b.rng.choice(('Apex', 'Blue River', 'Summit', 'Northwind'))} "
            company += b.rng.choice(("Logistics", "Healthcare", "Retail Group", "Motors"))
        else:
            name = chinese_contact_name(b, title)
            brand, _py = b.rng.choice(BRANDS)
            if industry.suffixes:
                company = f"{city.name}{brand}{b.rng.choice(industry.suffixes)[0]}有限公司"
            else:
                company = f"{city.name}{brand}医院"
        plan_lead(b, industry, name, company, title, english)


def plan_lead(
    b: PlanBuilder,
    industry: Industry,
    name: people.PersonName,
    company: str,
    title: str,
    english: bool,
) -> None:
    key = b.new_key("lead")
    created = b.between(b.start, b.anchor - timedelta(days=1))
    source = "LinkedIn" if english else b.rng.choice(LEAD_SOURCES[industry.pipeline])
    fleet = industry.pipeline == "fleet"
    if english:
        description = (
            f"Source: {source}. Interested in {'EV fleet' if fleet else 'medical equipment'}."
        )
    else:
        description = f"来源：{source}。对{'新能源车队方案' if fleet else '医疗设备'}感兴趣。"
    b.create(
        "lead",
        key,
        created,
        "user:wuting",
        name=name.name,
        company=company,
        title=title,
        email=unique_email(b, name.email_local, "leads.example"),
        phone=people.mobile(b.rng) if not english else None,
        source=source,
        industry=industry.slug,
        description=description,
        owner_id=Ref(industry.owner),
    )
    worked = b.between(created, created + timedelta(days=5))
    if worked < b.anchor and b.rng.random() < 0.7:
        b.update("lead", key, worked, industry.owner, status="working")
        decided = b.between(worked, worked + timedelta(days=20))
        roll = b.rng.random()
        if decided < b.anchor and roll < 0.75:
            outcome = "qualified" if roll < 0.45 else "disqualified"
            b.update("lead", key, decided, industry.owner, status=outcome)
