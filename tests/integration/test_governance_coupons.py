"""The coupon limit is currency-aware and cumulative per person.

Amounts are converted to CNY with the shipped rate table; a currency without a rate
waits for a person; and what one contact was given in the last 30 days (issued
coupons and those still waiting for approval) counts towards the 500 CNY limit.
"""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select

from kith.access.models import User
from kith.access.service import principal_for_user
from kith.container import Container
from kith.gateway.approvals import ApprovalService
from kith.gateway.gateway import Gateway, GatewayResult
from kith.gateway.models import ApprovalRequest, Coupon, DecisionRecord, RiskRule
from kith.gateway.risk import rules_of
from tests.conftest import Workspace
from tests.integration.test_agents_support import add_owner

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


class Desk:
    """A marketer issuing coupons through the gateway at a settable time."""

    def __init__(self, container: Container, workspace: Workspace) -> None:
        self.container = container
        self.workspace = workspace
        self.now = T0
        self.gateway = Gateway(clock=lambda: self.now)

    def issue(self, contact_id: str, value: str, currency: str | None = None) -> GatewayResult:
        args: dict[str, Any] = {"contact_id": contact_id, "value": value, "reason": "冬季关怀"}
        if currency is not None:
            args["currency"] = currency
        with self.container.uow() as uow:
            user = uow.session.get(User, self.workspace.users["marketing"].id)
            assert user is not None
            principal = principal_for_user(uow.session, user)
            result = self.gateway.execute(
                uow, principal, "coupons.issue", args, purpose="marketing"
            )
            uow.commit()
        assert result.status in ("executed", "pending_approval"), result.reason
        return result

    def decide(self, approval_id: str, approve: bool) -> None:
        with self.container.uow() as uow:
            user = uow.session.get(User, self.workspace.users["manager"].id)
            assert user is not None
            service = ApprovalService(self.gateway, uow, principal_for_user(uow.session, user))
            if approve:
                service.approve(approval_id)
            else:
                service.reject(approval_id, "too generous")
            uow.commit()

    def rule_of(self, result: GatewayResult) -> str | None:
        with self.container.uow() as uow:
            decision = uow.session.get(DecisionRecord, result.decision_id)
            assert decision is not None
            rule = uow.session.get(RiskRule, decision.risk_rule_id or "")
            return rule.name if rule else None


@pytest.fixture
def desk(container: Container, workspace: Workspace) -> Desk:
    return Desk(container, workspace)


@pytest.fixture
def owner(container: Container, workspace: Workspace) -> str:
    return add_owner(container, workspace.tenant_id, "陈晓峰").contact_id


@pytest.fixture
def neighbour(container: Container, workspace: Workspace) -> str:
    return add_owner(container, workspace.tenant_id, "王芳", mobile="13812345678").contact_id


@pytest.mark.parametrize(
    ("value", "currency"),
    [("99999", "EUR"), ("600", "USD"), ("600", "CNH"), ("70", "GBP"), ("501", None)],
)
def test_coupons_worth_more_than_500_cny_in_any_currency_wait_for_approval(
    desk: Desk, owner: str, value: str, currency: str | None
) -> None:
    result = desk.issue(owner, value, currency)
    assert result.status == "pending_approval"
    assert desk.rule_of(result) == "coupon_over_limit"
    assert result.reason is not None and "CNY" in result.reason


@pytest.mark.parametrize(
    ("value", "currency"), [("60", "USD"), ("450", "CNH"), ("50", "EUR"), ("500", "CNY")]
)
def test_coupons_worth_500_cny_or_less_are_issued(
    desk: Desk, owner: str, value: str, currency: str
) -> None:
    assert desk.issue(owner, value, currency).status == "executed"


def test_a_currency_without_an_exchange_rate_always_needs_a_person(desk: Desk, owner: str) -> None:
    result = desk.issue(owner, "1", "XAU")
    assert result.status == "pending_approval"
    assert desk.rule_of(result) == "amount_in_unknown_currency"
    assert result.reason is not None and "no exchange rate for XAU" in result.reason


def test_coupons_to_one_person_add_up_and_others_are_unaffected(
    desk: Desk, owner: str, neighbour: str
) -> None:
    first, second, third = (desk.issue(owner, "200", "CNY") for _ in range(3))
    assert [first.status, second.status, third.status] == [
        "executed",
        "executed",
        "pending_approval",
    ]
    assert third.reason is not None and "600.00 CNY to this contact in 30 days" in third.reason
    assert desk.issue(neighbour, "200", "CNY").status == "executed"


def test_coupons_waiting_for_approval_count_until_rejected(desk: Desk, owner: str) -> None:
    waiting = desk.issue(owner, "80", "USD")  # 573 CNY
    assert waiting.status == "pending_approval" and waiting.approval_id
    assert desk.issue(owner, "10", "CNY").status == "pending_approval"
    desk.decide(waiting.approval_id, approve=False)
    # Still waiting: the other 10 CNY.
    assert desk.issue(owner, "480", "CNY").status == "executed"
    assert desk.issue(owner, "20", "CNY").status == "pending_approval"


def test_an_approved_coupon_counts_as_issued(desk: Desk, owner: str) -> None:
    waiting = desk.issue(owner, "600", "CNY")
    assert waiting.approval_id
    desk.decide(waiting.approval_id, approve=True)
    with desk.container.uow() as uow:
        assert len(uow.session.scalars(select(Coupon)).all()) == 1
    assert desk.issue(owner, "1", "CNY").status == "pending_approval"


def test_the_limit_is_over_a_rolling_30_days(desk: Desk, owner: str) -> None:
    assert desk.issue(owner, "400", "CNY").status == "executed"
    desk.now = T0 + timedelta(days=29)
    assert desk.issue(owner, "200", "CNY").status == "pending_approval"
    desk.now = T0 + timedelta(days=31)
    assert desk.issue(owner, "200", "CNY").status == "executed"


def test_an_earlier_coupon_in_a_currency_without_a_rate_makes_the_total_unknown(
    desk: Desk, owner: str
) -> None:
    waiting = desk.issue(owner, "1", "XAU")
    assert waiting.approval_id
    desk.decide(waiting.approval_id, approve=True)
    later = desk.issue(owner, "5", "CNY")
    assert later.status == "pending_approval"
    assert desk.rule_of(later) == "amount_in_unknown_currency"


def test_the_limit_is_data_an_administrator_can_change(
    desk: Desk, owner: str, container: Container, workspace: Workspace
) -> None:
    assert desk.issue(owner, "300", "CNY").status == "executed"
    with container.uow() as uow:
        rule = uow.session.scalars(
            select(RiskRule).where(
                RiskRule.tenant_id == workspace.tenant_id, RiskRule.name == "coupon_over_limit"
            )
        ).one()
        rule.condition = {
            "and": [
                {"var": ["amount.converted", False]},
                {">": [{"var": "amount.contact_total_7d"}, 1000]},
            ]
        }
        uow.commit()
    assert desk.issue(owner, "600", "CNY").status == "executed"
    assert desk.issue(owner, "200", "CNY").status == "pending_approval"
    with container.uow() as uow:
        pending = uow.session.scalars(select(ApprovalRequest)).all()
        assert [p.args["value"] for p in pending] == ["200"]


def test_the_migration_moves_existing_workspaces_to_the_new_limits(
    container: Container, workspace: Workspace, desk: Desk, owner: str
) -> None:
    migration = importlib.import_module("kith.db.migrations.versions.0015_governance_limits")
    tenant = workspace.tenant_id
    edited = {">": [{"var": "args.value"}, 100]}
    with container.uow() as uow:  # a workspace from before: the old rules, one edited
        rules = {r.name: r for r in rules_of(uow.session, tenant)}
        rules["coupon_over_limit"].condition = migration.OLD_OVER_500_CNY
        rules["free_gift_over_limit"].condition = edited
        uow.session.execute(delete(RiskRule).where(RiskRule.name == "amount_in_unknown_currency"))
        uow.commit()
    assert desk.issue(owner, "99999", "EUR").status == "executed"  # the old, one-currency rule

    with container.engine.begin() as conn:
        changed = migration.update_existing_rules(conn)
    with container.engine.begin() as conn:
        again = migration.update_existing_rules(conn)
    assert (changed, again) == (2, 0)
    with container.uow() as uow:
        rules = {r.name: r for r in rules_of(uow.session, tenant)}
        assert rules["free_gift_over_limit"].condition == edited  # the administrator's edit
        assert rules["amount_in_unknown_currency"].builtin
    assert desk.issue(owner, "600", "USD").status == "pending_approval"
    assert desk.issue(owner, "1", "XAU").status == "pending_approval"
