"""High-risk calls wait for a person: approve runs them exactly once (also under two
concurrent approvers), reject and expiry never run them, and execution re-authorises."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from kith.access.models import User
from kith.access.principal import Principal
from kith.access.service import principal_for_user
from kith.container import Container
from kith.core.errors import Conflict, KithError, NotFound, PermissionDenied, ValidationFailed
from kith.crm import schemas as s
from kith.crm.service import RecordService
from kith.db.uow import UnitOfWork
from kith.events.models import OutboxEvent
from kith.gateway.approvals import ApprovalService
from kith.gateway.gateway import Gateway
from kith.gateway.models import ApprovalRequest, DecisionRecord, Notification, RefundRequest
from tests.conftest import Workspace

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def as_user(container: Container, workspace: Workspace) -> Callable[..., Any]:
    """Run ``fn(uow, principal)`` as a workspace user in one committed unit of work."""

    def _as(role: str, fn: Callable[[UnitOfWork, Principal], Any]) -> Any:
        with container.uow() as uow:
            user = uow.session.get(User, workspace.users[role].id)
            assert user is not None
            out = fn(uow, principal_for_user(uow.session, user))
            uow.commit()
            return out

    return _as


@pytest.fixture
def order_id(as_user: Callable[..., Any]) -> str:
    def create(uow: UnitOfWork, admin: Principal) -> str:
        records = RecordService(uow, admin)
        product = records.create("product", s.ProductIn(sku="BAT-1", name="Battery check"))
        line = {"product_id": product["id"], "quantity": 2, "unit_price": Decimal("450.00")}
        order: str = records.create("order", s.OrderIn(number="SO-1", lines=[line]))["id"]
        return order

    result: str = as_user("admin", create)
    return result


@pytest.fixture
def request_refund(as_user: Callable[..., Any], order_id: str, clock: Clock) -> Callable[[], Any]:
    """The service rep asks for a refund (with an idempotency key, as a retrying client)."""
    args = {"order_id": order_id, "amount": "300.00", "reason": "battery replaced under warranty"}
    return lambda: as_user(
        "service",
        lambda uow, p: Gateway(clock=clock).execute(
            uow, p, "refunds.request", args, purpose="service", idempotency_key="refund-1"
        ),
    )


@pytest.fixture
def refund(request_refund: Callable[[], Any]) -> Any:
    """A refund request waiting for a manager."""
    return request_refund()


def _refunds(container: Container) -> int:
    with container.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(RefundRequest)) or 0)


def _approval(container: Container, approval_id: str) -> ApprovalRequest:
    with container.uow() as uow:
        row = uow.session.get(ApprovalRequest, approval_id)
        assert row is not None
        uow.session.expunge(row)
        return row


def _decide(
    as_user: Callable[..., Any], clock: Clock, role: str, verb: str, approval_id: str, **kw: Any
) -> Any:
    return as_user(
        role,
        lambda uow, p: getattr(ApprovalService(Gateway(clock=clock), uow, p), verb)(
            approval_id, **kw
        ),
    )


def test_a_refund_waits_for_a_manager_with_its_full_proposed_action(
    refund: Any, container: Container, workspace: Workspace
) -> None:
    assert refund.status == "pending_approval"
    assert refund.reason == "waiting for approval by a manager (rule refund)"
    assert _refunds(container) == 0
    request = _approval(container, refund.approval_id)
    assert (request.tool, request.purpose, request.status) == (
        "refunds.request",
        "service",
        "pending",
    )
    assert request.args["amount"] == "300.00"
    assert request.requester_id == workspace.users["service"].id
    assert request.expires_at == T0 + timedelta(hours=24)
    with container.uow() as uow:
        notified = uow.session.scalars(select(Notification.user_id)).all()
        assert notified == [workspace.users["manager"].id]
        decision = uow.session.get(DecisionRecord, refund.decision_id)
        assert decision is not None
        assert (decision.status, decision.risk_level) == ("pending_approval", "high")
        assert decision.approval_id == refund.approval_id


def test_approving_runs_the_call_once_and_records_who_approved(
    refund: Any,
    request_refund: Callable[[], Any],
    as_user: Callable[..., Any],
    clock: Clock,
    container: Container,
) -> None:
    retried = request_refund()
    assert (retried.status, retried.approval_id) == ("duplicate", refund.approval_id)
    result = _decide(as_user, clock, "manager", "approve", refund.approval_id, reason="OK, 保修")
    assert result.status == "executed", result.reason
    assert result.output["amount"] == "300.00"
    assert _refunds(container) == 1
    with pytest.raises(Conflict, match="already executed"):
        _decide(as_user, clock, "admin", "approve", refund.approval_id)
    assert _refunds(container) == 1
    with container.uow() as uow:
        decision = uow.session.get(DecisionRecord, result.decision_id)
        assert decision is not None
        assert decision.approver_decision == "approved" and decision.approver_reason == "OK, 保修"
        assert decision.actor_name == "service acme"  # the requester acted, the manager approved
    after = request_refund()
    assert after.status == "duplicate" and after.output == result.output
    with container.uow() as uow:
        events = uow.session.scalars(
            select(OutboxEvent.type).where(OutboxEvent.subject_id == refund.approval_id)
        ).all()
        assert sorted(events) == ["approval.approved", "approval.requested"]


def test_two_concurrent_approvers_execute_it_exactly_once(
    refund: Any, container: Container, workspace: Workspace, clock: Clock
) -> None:
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def approve(role: str) -> None:
        with container.uow() as uow:
            user = uow.session.get(User, workspace.users[role].id)
            assert user is not None
            service = ApprovalService(
                Gateway(clock=clock), uow, principal_for_user(uow.session, user)
            )
            barrier.wait()
            try:
                outcomes[role] = service.approve(refund.approval_id).status
                uow.commit()
            except KithError as exc:
                outcomes[role] = type(exc).__name__

    threads = [threading.Thread(target=approve, args=(role,)) for role in ("manager", "admin")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes.values()) == ["Conflict", "executed"]
    assert _refunds(container) == 1
    assert _approval(container, refund.approval_id).status == "executed"


def test_a_rejected_request_never_runs(
    refund: Any, as_user: Callable[..., Any], clock: Clock, container: Container
) -> None:
    with pytest.raises(ValidationFailed):
        _decide(as_user, clock, "manager", "reject", refund.approval_id, reason=" ")
    decision_id = _decide(
        as_user, clock, "manager", "reject", refund.approval_id, reason="超过保修期"
    )
    with pytest.raises(Conflict, match="already rejected"):
        _decide(as_user, clock, "admin", "approve", refund.approval_id)
    assert _refunds(container) == 0
    with container.uow() as uow:
        decision = uow.session.get(DecisionRecord, decision_id)
        assert decision is not None
        assert (decision.status, decision.approver_decision) == ("rejected", "rejected")
        assert decision.approver_reason == "超过保修期"
        assert decision.tool == "refunds.request"


def test_an_expired_request_cannot_be_approved(
    refund: Any, as_user: Callable[..., Any], clock: Clock, container: Container
) -> None:
    clock.now = T0 + timedelta(hours=24, seconds=1)
    with pytest.raises(Conflict, match="expired"):
        _decide(as_user, clock, "manager", "approve", refund.approval_id)
    listed = as_user(
        "manager",
        lambda uow, p: [r.status for r in ApprovalService(Gateway(clock=clock), uow, p).list()],
    )
    assert listed == ["expired"]
    assert _refunds(container) == 0


def test_only_another_person_with_the_approver_role_may_decide(
    refund: Any, order_id: str, as_user: Callable[..., Any], clock: Clock, container: Container
) -> None:
    with pytest.raises(NotFound):  # not routed to sales: for them it does not exist
        _decide(as_user, clock, "sales", "approve", refund.approval_id)
    with pytest.raises(PermissionDenied, match="needs the manager role"):
        _decide(as_user, clock, "service", "approve", refund.approval_id)
    assert _approval(container, refund.approval_id).status == "pending"
    own = as_user(
        "manager",
        lambda uow, p: Gateway(clock=clock).execute(
            uow,
            p,
            "refunds.request",
            {"order_id": order_id, "amount": "10.00", "reason": "goodwill"},
            purpose="service",
        ),
    )
    with pytest.raises(PermissionDenied, match="person it is for"):
        _decide(as_user, clock, "manager", "approve", own.approval_id)


def test_execution_re_authorises_with_the_requesters_current_rights(
    refund: Any,
    as_user: Callable[..., Any],
    clock: Clock,
    container: Container,
    workspace: Workspace,
) -> None:
    with container.uow() as uow:
        user = uow.session.get(User, workspace.users["service"].id)
        assert user is not None
        user.is_active = False
        uow.commit()
    result = _decide(as_user, clock, "manager", "approve", refund.approval_id)
    assert result.status == "refused"
    assert result.reason == "the requester may no longer act; nothing was run"
    assert _refunds(container) == 0
    request = _approval(container, refund.approval_id)
    assert (request.status, request.result_status) == ("approved", "refused")
