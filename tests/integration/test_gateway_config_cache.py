"""Configuration the gateway reads on every call (risk rules, SLA policies, a flow owner's
principal) is cached per tenant: a change — through the ORM, a Core statement, a raw
connection, or earlier in the same transaction — applies to the very next call."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text, update

from kith.access.cache import generation_of
from kith.access.models import User
from kith.access.principal import Principal
from kith.access.service import principal_for_user
from kith.container import Container
from kith.crm import models as m
from kith.crm import schemas as s
from kith.crm.service import RecordService
from kith.db.uow import UnitOfWork
from kith.gateway.gateway import Gateway, GatewayResult
from kith.gateway.models import RiskRule
from kith.gateway.principals import resolve_principal
from tests.conftest import Workspace

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _principal(uow: UnitOfWork, workspace: Workspace, role: str) -> Principal:
    user = uow.session.get(User, workspace.users[role].id)
    assert user is not None
    return principal_for_user(uow.session, user)


def _task(container: Container, workspace: Workspace, subject: str) -> GatewayResult:
    with container.uow() as uow:
        sales = _principal(uow, workspace, "sales")
        result = Gateway(clock=lambda: T0).execute(
            uow, sales, "tasks.create", {"subject": subject}, purpose="sales"
        )
        uow.commit()
        return result


def _rule(tenant_id: str, **values: Any) -> RiskRule:
    return RiskRule(
        tenant_id=tenant_id,
        name="tasks_need_a_manager",
        description="Every task waits for a manager (test)",
        tool_pattern="tasks.*",
        condition=None,
        level="high",
        approver_role="manager",
        expires_after_minutes=60,
        builtin=False,
        enabled=True,
        **values,
    )


def test_a_rule_added_or_switched_off_applies_to_the_next_call(
    container: Container, workspace: Workspace
) -> None:
    assert _task(container, workspace, "before").status == "executed"  # rules now cached
    with container.uow() as uow:
        before = generation_of(uow.session, workspace.tenant_id)
        uow.session.add(_rule(workspace.tenant_id))
        uow.commit()
    with container.uow() as uow:
        assert generation_of(uow.session, workspace.tenant_id) > before  # other processes
    assert _task(container, workspace, "with the rule").status == "pending_approval"

    with container.uow() as uow:
        rule = uow.session.query(RiskRule).filter_by(name="tasks_need_a_manager").one()
        rule.enabled = False
        uow.commit()
    assert _task(container, workspace, "rule off").status == "executed"


def test_a_rule_changed_by_a_core_statement_or_a_raw_connection_applies_too(
    container: Container, workspace: Workspace
) -> None:
    with container.uow() as uow:
        uow.session.add(_rule(workspace.tenant_id))
        uow.commit()
    assert _task(container, workspace, "one").status == "pending_approval"

    with container.uow() as uow:  # a Core update through a session
        before = generation_of(uow.session, workspace.tenant_id)
        uow.session.execute(
            update(RiskRule).where(RiskRule.name == "tasks_need_a_manager").values(enabled=False)
        )
        uow.commit()
    with container.uow() as uow:
        assert generation_of(uow.session, workspace.tenant_id) > before
    assert _task(container, workspace, "two").status == "executed"

    with container.engine.begin() as conn:  # a migration-like raw connection
        conn.execute(
            text("UPDATE risk_rules SET enabled = :on WHERE name = 'tasks_need_a_manager'"),
            {"on": True},
        )
    assert _task(container, workspace, "three").status == "pending_approval"


def test_a_rule_added_earlier_in_the_same_transaction_applies(
    container: Container, workspace: Workspace
) -> None:
    assert _task(container, workspace, "warm").status == "executed"
    with container.uow() as uow:
        sales = _principal(uow, workspace, "sales")
        gateway = Gateway(clock=lambda: T0)
        first = gateway.execute(uow, sales, "tasks.create", {"subject": "a"}, purpose="sales")
        uow.session.add(_rule(workspace.tenant_id))
        uow.session.flush()
        second = gateway.execute(uow, sales, "tasks.create", {"subject": "b"}, purpose="sales")
        uow.commit()
    assert (first.status, second.status) == ("executed", "pending_approval")


def test_an_sla_policy_set_after_tickets_were_opened_times_the_next_one(
    container: Container, workspace: Workspace
) -> None:
    def open_ticket() -> timedelta:
        with container.uow() as uow:
            admin = _principal(uow, workspace, "admin")
            ticket = RecordService(uow, admin, lambda: T0).create(
                "ticket", s.TicketIn(subject="刹车异响", priority="normal")
            )
            uow.commit()
            return ticket["first_response_due_at"] - T0  # type: ignore[no-any-return]

    assert open_ticket() == timedelta(hours=4)  # the default for normal tickets
    with container.uow() as uow:
        uow.session.add(
            m.SlaPolicy(
                tenant_id=workspace.tenant_id,
                priority="normal",
                first_response_minutes=45,
                resolution_minutes=600,
            )
        )
        uow.commit()
    assert open_ticket() == timedelta(minutes=45)


def test_a_switched_off_owner_no_longer_resolves(
    container: Container, workspace: Workspace
) -> None:
    owner = workspace.users["manager"].id
    with container.uow() as uow:  # cached
        resolved = resolve_principal(uow.session, workspace.tenant_id, "user", owner)
        assert resolved is not None and resolved.roles == frozenset({"manager"})
    with container.uow() as uow:
        user = uow.session.get(User, owner)
        assert user is not None
        user.is_active = False
        uow.commit()
    with container.uow() as uow:
        assert resolve_principal(uow.session, workspace.tenant_id, "user", owner) is None
