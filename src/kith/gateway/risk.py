"""The risk policy: rules as rows in ``risk_rules``, defaults seeded per tenant.

A call's level is the highest of the tool's own declared risk and every enabled
rule that matches it (tool glob + condition over the call's facts). ``high``
means a person with the rule's approver role must approve before it runs.
A condition that cannot be evaluated counts as matching: a broken rule errs on
the side of asking a person.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kith.crm import models as crm
from kith.gateway.conditions import ConditionError, evaluate
from kith.gateway.contracts import RiskLevel
from kith.gateway.models import OutboundMessage, RiskRule

LEVEL_RANK: dict[str, int] = {"low": 1, "medium": 2, "high": 3}
DEFAULT_APPROVER_ROLE = "manager"
DEFAULT_EXPIRY_MINUTES = 24 * 60
_OVER_500_CNY: dict[str, Any] = {
    "and": [
        {"==": [{"var": ["args.currency", "CNY"]}, "CNY"]},
        {">": [{"var": "args.value"}, 500]},
    ]
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
    RuleSeed("coupon_over_limit", "Coupons worth more than 500 CNY", "coupons.*", _OVER_500_CNY),
    RuleSeed(
        "free_gift_over_limit", "Free gifts worth more than 500 CNY", "gifts.*", _OVER_500_CNY
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

    @property
    def needs_approval(self) -> bool:
        return self.level == "high"


def seed_risk_rules(session: Session, tenant_id: str) -> None:
    """Create the default rules a tenant does not have yet (an edited rule is kept)."""
    existing = set(session.scalars(select(RiskRule.name).where(RiskRule.tenant_id == tenant_id)))
    for seed in DEFAULT_RULES:
        if seed.name in existing:
            continue
        session.add(
            RiskRule(
                tenant_id=tenant_id,
                name=seed.name,
                description=seed.description,
                tool_pattern=seed.tool_pattern,
                condition=seed.condition,
                level=seed.level,
                approver_role=DEFAULT_APPROVER_ROLE,
                expires_after_minutes=DEFAULT_EXPIRY_MINUTES,
                builtin=True,
            )
        )
    session.flush()


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
) -> RiskAssessment:
    matching = [r for r in rules_of(session, tenant_id) if _matches(r, tool_name, facts)]
    top = max(matching, key=lambda r: LEVEL_RANK.get(r.level, 3), default=None)
    if top is None or LEVEL_RANK[declared] > LEVEL_RANK.get(top.level, 3):
        return RiskAssessment(declared)
    return RiskAssessment(
        top.level,  # type: ignore[arg-type]
        top.id,
        top.name,
        top.approver_role,
        top.expires_after_minutes,
    )


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
