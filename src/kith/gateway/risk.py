"""The risk policy: rules as rows in ``risk_rules``, defaults seeded per tenant.

A call's level is the highest of the tool's own declared risk and every enabled
rule that matches it (tool glob + condition over the call's facts). ``high``
means a person with the rule's approver role must approve before it runs.
A condition that cannot be evaluated counts as matching: a broken rule errs on
the side of asking a person.

Money limits are in the base currency of the exchange-rate table
(``kith.gateway.fx``): a call whose arguments carry a value and a currency gets
``amount`` facts — the value converted, and for coupons the total given to the
same contact over rolling windows (issued coupons and those waiting for
approval, this one included). An amount that cannot be converted needs a person.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from fnmatch import fnmatchcase
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kith.access.cache import TENANT_CACHE, snapshot
from kith.core.clock import as_utc
from kith.crm import models as crm
from kith.gateway.conditions import ConditionError, evaluate
from kith.gateway.contracts import Origin, RiskLevel
from kith.gateway.fx import RateTable, rate_table
from kith.gateway.models import ApprovalRequest, Coupon, OutboundMessage, RiskRule
from kith.gateway.registry import REGISTRY

LEVEL_RANK: dict[str, int] = {"low": 1, "medium": 2, "high": 3}
DEFAULT_APPROVER_ROLE = "manager"
DEFAULT_EXPIRY_MINUTES = 24 * 60
COUPON_TOOLS = "coupons.*"
# Rolling windows (days) over which coupons to one contact are totalled: a rule
# reads ``amount.contact_total_<N>d``.
WINDOWS_DAYS = (7, 30, 90, 365)
# Coupons that no longer give anything away do not count towards a limit.
VOID_COUPON = ("cancelled", "revoked", "void")
_CONVERTED: dict[str, Any] = {"var": ["amount.converted", False]}
# Limits are in the rate table's base currency (CNY).
_COUPONS_OVER_500_IN_30_DAYS: dict[str, Any] = {
    "and": [_CONVERTED, {">": [{"var": "amount.contact_total_30d"}, 500]}]
}
_OVER_500: dict[str, Any] = {"and": [_CONVERTED, {">": [{"var": "amount.in_base"}, 500]}]}
_UNCONVERTIBLE: dict[str, Any] = {
    "and": [{"!=": [{"var": "amount.currency"}, None]}, {"!": [_CONVERTED]}]
}


@dataclass(frozen=True)
class RuleSeed:
    name: str
    description: str
    tool_pattern: str
    condition: dict[str, Any] | None = None
    level: RiskLevel = "high"


DEFAULT_RULES: tuple[RuleSeed, ...] = (
    RuleSeed("refund", "Refunds need a manager's approval", "refunds.*"),
    RuleSeed("contract_termination", "Terminating a contract", "contracts.terminate*"),
    RuleSeed("legal_action", "Any legal action", "legal.*"),
    RuleSeed(
        "coupon_over_limit",
        "Coupons to one contact worth more than 500 CNY in 30 days, this one and those "
        "waiting for approval included (any currency, converted)",
        COUPON_TOOLS,
        _COUPONS_OVER_500_IN_30_DAYS,
    ),
    RuleSeed(
        "free_gift_over_limit",
        "Free gifts worth more than 500 CNY (any currency, converted)",
        "gifts.*",
        _OVER_500,
    ),
    RuleSeed(
        "amount_in_unknown_currency",
        "Amounts that cannot be converted to CNY (no exchange rate for their currency, "
        "or for that of an earlier coupon they add up with)",
        "*",
        _UNCONVERTIBLE,
    ),
    RuleSeed("credit_downgrade", "Downgrading a customer's credit", "credit.downgrade*"),
    RuleSeed("service_termination", "Terminating a customer's service", "services.terminate*"),
    RuleSeed(
        "first_contact",
        "Sending anything outside to a recipient never contacted before",
        "*",
        {"and": [{"var": "external_effect"}, {"var": "new_recipient"}]},
    ),
    # The tool checks that args.members is the segment's real size before enrolling.
    RuleSeed(
        "segment_enrollment_over_limit",
        "Enrolling more than 200 segment members in a campaign",
        "campaigns.enroll_segment",
        {">": [{"var": "args.members"}, 200]},
    ),
)


@dataclass(frozen=True)
class RiskAssessment:
    level: RiskLevel
    rule_id: str | None = None
    rule_name: str | None = None
    approver_role: str = DEFAULT_APPROVER_ROLE
    expires_after_minutes: int = DEFAULT_EXPIRY_MINUTES
    detail: str | None = None  # what the rule saw, for the decision's reason

    @property
    def needs_approval(self) -> bool:
        return self.level == "high"


def seed_risk_rules(session: Session, tenant_id: str) -> None:
    """Create the default rules a tenant does not have yet (an edited rule is kept)."""
    existing = set(session.scalars(select(RiskRule.name).where(RiskRule.tenant_id == tenant_id)))
    for seed in DEFAULT_RULES:
        if seed.name in existing:
            continue
        session.add(_seeded(seed, tenant_id))
    session.flush()


def _seeded(seed: RuleSeed, tenant_id: str) -> RiskRule:
    return RiskRule(
        tenant_id=tenant_id,
        name=seed.name,
        description=seed.description,
        tool_pattern=seed.tool_pattern,
        condition=seed.condition,
        level=seed.level,
        approver_role=DEFAULT_APPROVER_ROLE,
        expires_after_minutes=DEFAULT_EXPIRY_MINUTES,
        builtin=True,
        enabled=True,
    )


def rules_of(session: Session, tenant_id: str) -> list[RiskRule]:
    """The tenant's rules, seeding the defaults on first use."""
    stmt = select(RiskRule).where(RiskRule.tenant_id == tenant_id).order_by(RiskRule.name)
    rules = list(session.scalars(stmt))
    if rules:
        return rules
    try:
        with session.begin_nested():
            seed_risk_rules(session, tenant_id)
    except IntegrityError:
        pass  # a concurrent first call seeded them; read theirs
    return list(session.scalars(stmt))


def cached_rules(session: Session, tenant_id: str) -> tuple[RiskRule, ...]:
    """``rules_of`` as transient copies, cached per tenant until its configuration
    changes (``kith.access.cache``): the gateway reads them on every call."""
    return TENANT_CACHE.get(
        session,
        tenant_id,
        "risk_rules",
        lambda: tuple(snapshot(rule) for rule in rules_of(session, tenant_id)),
    )


def rules_for_preview(session: Session, tenant_id: str) -> list[RiskRule]:
    """The tenant's rules without seeding: a tenant that has none yet is assessed against
    the defaults as they would be seeded (transient rows, never added to the session)."""
    stmt = select(RiskRule).where(RiskRule.tenant_id == tenant_id).order_by(RiskRule.name)
    rules = list(session.scalars(stmt))
    if rules:
        return rules
    return [_seeded(seed, tenant_id) for seed in sorted(DEFAULT_RULES, key=lambda r: r.name)]


def _matches(rule: RiskRule, tool_name: str, facts: Mapping[str, Any]) -> bool:
    if not rule.enabled or not fnmatchcase(tool_name, rule.tool_pattern):
        return False
    if rule.condition is None:
        return True
    try:
        return bool(evaluate(rule.condition, facts))
    except ConditionError:
        return True


def assess(
    session: Session,
    tenant_id: str,
    tool_name: str,
    declared: RiskLevel,
    facts: Mapping[str, Any],
    *,
    seed: bool = True,
) -> RiskAssessment:
    """``seed=False`` (a preview) reads the rules without seeding a tenant's defaults."""
    rules = cached_rules(session, tenant_id) if seed else rules_for_preview(session, tenant_id)
    matching = [r for r in rules if _matches(r, tool_name, facts)]
    top = max(matching, key=lambda r: LEVEL_RANK.get(r.level, 3), default=None)
    if top is None or LEVEL_RANK[declared] > LEVEL_RANK.get(top.level, 3):
        return RiskAssessment(declared)
    return RiskAssessment(
        top.level,  # type: ignore[arg-type]
        top.id,
        top.name,
        top.approver_role,
        top.expires_after_minutes,
        describe_amount(facts.get("amount")),
    )


# Declared policy for calls composed from text (``origin="language"``) and for outside
# agents through MCP (``origin="mcp"``).
LANGUAGE_DESTRUCTIVE_RULE = "language:destructive"
MCP_DESTRUCTIVE_RULE = "mcp:destructive"
_HELD_ORIGINS = {"language": LANGUAGE_DESTRUCTIVE_RULE, "mcp": MCP_DESTRUCTIVE_RULE}


def for_origin(assessment: RiskAssessment, origin: Origin, *, destructive: bool) -> RiskAssessment:
    """A destructive tool called from a plan made from text, or by an outside agent,
    always waits for a person's approval, whatever its declared risk and the tenant's
    rules."""
    rule = _HELD_ORIGINS.get(origin)
    if rule is not None and destructive and not assessment.needs_approval:
        return RiskAssessment(level="high", rule_name=rule)
    return assessment


# --- amounts -------------------------------------------------------------------------------


def amount_facts(
    session: Session, tenant_id: str, tool_name: str, args: BaseModel, now: datetime
) -> dict[str, Any] | None:
    """The call's amount in the base currency (None if it carries no value and currency),
    and for coupons the totals given to the same contact over ``WINDOWS_DAYS``."""
    value = getattr(args, "value", None) or getattr(args, "amount", None)
    currency = getattr(args, "currency", None)
    if not isinstance(value, Decimal) or not isinstance(currency, str):
        return None
    table = rate_table()
    in_base = table.to_base(value, currency)
    facts: dict[str, Any] = {
        "value": value,
        "currency": currency,
        "base_currency": table.base,
        "rates_as_of": table.as_of.isoformat(),
        "in_base": in_base,
        "converted": in_base is not None,
    }
    contact_id = getattr(args, "contact_id", None)
    if fnmatchcase(tool_name, COUPON_TOOLS) and isinstance(contact_id, str):
        earlier = earlier_coupons(session, tenant_id, contact_id, now)
        facts.update(_contact_totals(table, in_base, earlier, now))
    return facts


def _contact_totals(
    table: RateTable,
    in_base: Decimal | None,
    earlier: Iterable[tuple[datetime, Decimal, str]],
    now: datetime,
) -> dict[str, Any]:
    """Per window, this amount plus the earlier ones; one amount that cannot be
    converted makes the totals unknown (and the call unconverted)."""
    converted: list[tuple[datetime, Decimal]] = []
    for at, value, currency in earlier:
        value_in_base = table.to_base(value, currency)
        if value_in_base is None:
            in_base = None
            break
        converted.append((as_utc(at), value_in_base))
    totals: dict[str, Any] = {"converted": in_base is not None}
    for days in WINDOWS_DAYS:
        since = now - timedelta(days=days)
        window = sum((v for at, v in converted if at > since), Decimal(0))
        totals[f"contact_total_{days}d"] = None if in_base is None else in_base + window
    return totals


def earlier_coupons(
    session: Session, tenant_id: str, contact_id: str, now: datetime
) -> list[tuple[datetime, Decimal, str]]:
    """(when, value, currency) of coupons given to the contact in the longest window:
    issued ones, and those waiting for a person's approval."""
    # Coupons for one contact are judged one at a time: the contact row stays locked
    # (PostgreSQL; SQLite has one writer anyway) until the caller commits, so two
    # concurrent coupons cannot each see the other's total as zero.
    session.scalar(
        select(crm.Contact.id)
        .where(crm.Contact.tenant_id == tenant_id, crm.Contact.id == contact_id)
        .with_for_update()
    )
    since = now - timedelta(days=max(WINDOWS_DAYS))
    issued = session.execute(
        select(Coupon.created_at, Coupon.value, Coupon.currency).where(
            Coupon.tenant_id == tenant_id,
            Coupon.contact_id == contact_id,
            Coupon.created_at > since,
            Coupon.status.not_in(VOID_COUPON),
        )
    ).all()
    found = [(at, Decimal(value), currency) for at, value, currency in issued]
    return found + _pending_coupons(session, tenant_id, contact_id, since, now)


def _pending_coupons(
    session: Session, tenant_id: str, contact_id: str, since: datetime, now: datetime
) -> list[tuple[datetime, Decimal, str]]:
    a = ApprovalRequest
    pending = session.scalars(
        select(a).where(
            a.tenant_id == tenant_id,
            a.status == "pending",
            a.tool.startswith(COUPON_TOOLS.removesuffix("*")),
            a.expires_at > now,
            a.created_at > since,
        )
    )
    found: list[tuple[datetime, Decimal, str]] = []
    for request in pending:
        if not fnmatchcase(request.tool, COUPON_TOOLS):
            continue
        args = _stored_args(request)
        if args is not None and getattr(args, "contact_id", None) == contact_id:
            found.append((request.created_at, args.value, args.currency))  # type: ignore[attr-defined]
    return found


def _stored_args(request: ApprovalRequest) -> BaseModel | None:
    """The waiting call's arguments with the tool's defaults (e.g. the currency)."""
    spec = REGISTRY.get(request.tool)
    if spec is None:
        return None
    try:
        return spec.input_schema.model_validate(request.args)
    except ValidationError:
        return None


def describe_amount(amount: Any) -> str | None:
    """One line for the decision's reason: the conversion and the contact's total."""
    if not isinstance(amount, Mapping):
        return None
    value, currency, base = amount["value"], amount["currency"], amount["base_currency"]
    rates = f"rates of {amount['rates_as_of']}"
    if amount["in_base"] is None:
        return f"no exchange rate for {currency} ({rates})"
    text = f"{value} {currency} = {amount['in_base']} {base}"
    if "contact_total_30d" in amount:
        total = amount["contact_total_30d"]
        text += (
            f"; {total} {base} to this contact in 30 days with this one"
            if total is not None
            else "; an earlier coupon to this contact has no exchange rate"
        )
    return f"{text} ({rates})"


def is_new_recipient(
    session: Session, tenant_id: str, channel: str | None, args: Mapping[str, Any]
) -> bool:
    """True when nothing was ever exchanged with the contact or sent to the address."""
    contact_id, address = args.get("contact_id"), args.get("to")
    if contact_id:
        talked = exists().where(
            crm.Interaction.tenant_id == tenant_id,
            crm.Interaction.contact_id == contact_id,
            crm.Interaction.deleted_at.is_(None),
        )
        if session.scalar(select(talked)):
            return False
    if address:
        sent = exists().where(
            OutboundMessage.tenant_id == tenant_id,
            OutboundMessage.channel == channel,
            OutboundMessage.recipient == address,
            OutboundMessage.status == "sent",
        )
        if session.scalar(select(sent)):
            return False
    return True
