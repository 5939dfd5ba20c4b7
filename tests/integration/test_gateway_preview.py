"""Gateway.preview: the answer execute would give (allowed, waiting for approval under a
rule, refused and why) while the database and the session stay exactly as they were."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from kith.access.models import User
from kith.access.principal import Principal
from kith.access.service import principal_for_user
from kith.container import Container
from kith.crm import schemas as s
from kith.crm.service import RecordService
from kith.db.base import Base
from kith.db.uow import UnitOfWork
from kith.gateway.gateway import Gateway, Preview
from tests.conftest import Workspace


@pytest.fixture
def as_user(container: Container, workspace: Workspace) -> Callable[..., Any]:
    def _as(role: str, fn: Callable[[UnitOfWork, Principal], Any], commit: bool = True) -> Any:
        with container.uow() as uow:
            user = uow.session.get(User, workspace.users[role].id)
            assert user is not None
            out = fn(uow, principal_for_user(uow.session, user))
            if commit:
                uow.commit()
            return out

    return _as


@pytest.fixture
def ids(as_user: Callable[..., Any]) -> dict[str, str]:
    def create(uow: UnitOfWork, admin: Principal) -> dict[str, str]:
        records = RecordService(uow, admin)
        product = records.create("product", s.ProductIn(sku="BAT-1", name="Battery check"))
        line = {"product_id": product["id"], "quantity": 2, "unit_price": Decimal("450.00")}
        order = records.create("order", s.OrderIn(number="SO-1", lines=[line]))["id"]
        contact = records.create("contact", s.ContactIn(name="王芳", email="wf@a.cn"))["id"]
        return {"order": order, "contact": contact}

    out: dict[str, str] = as_user("admin", create)
    return out


def row_counts(uow: UnitOfWork) -> dict[str, int]:
    return {
        table.name: uow.session.scalar(select(func.count()).select_from(table)) or 0
        for table in Base.metadata.sorted_tables
    }


def previewed(
    as_user: Callable[..., Any], role: str, tool: str, args: dict[str, Any], purpose: str
) -> Preview:
    """Preview in a unit of work and check that nothing was written or queued."""

    def look(uow: UnitOfWork, principal: Principal) -> Preview:
        before = row_counts(uow)
        mark = uow.event_mark()
        answer = Gateway().preview(uow, principal, tool, args, purpose=purpose)
        assert not uow.session.new and not uow.session.dirty and not uow.session.deleted
        assert uow.event_mark() == mark
        uow.session.flush()
        assert row_counts(uow) == before
        return answer

    result: Preview = as_user(role, look, commit=False)
    return result


def refund_args(ids: dict[str, str]) -> dict[str, Any]:
    return {"order_id": ids["order"], "amount": "300.00", "reason": "battery replaced"}


def test_a_refund_would_wait_for_a_manager_under_the_refund_rule(
    as_user: Callable[..., Any], ids: dict[str, str]
) -> None:
    answer = previewed(as_user, "service", "refunds.request", refund_args(ids), "service")
    assert answer.status == "needs_approval" and answer.would_wait
    assert answer.rule_name == "refund" and answer.approver_role == "manager"
    assert answer.risk_level == "high"
    assert answer.reasons[0].startswith("waiting for approval by a manager (rule refund")

    executed = as_user(
        "service",
        lambda uow, p: Gateway().execute(
            uow, p, "refunds.request", refund_args(ids), purpose="service"
        ),
    )
    assert executed.status == "pending_approval"
    assert executed.reason == answer.reasons[0]


def test_a_low_risk_call_is_allowed_and_says_on_which_consent_basis(
    as_user: Callable[..., Any], ids: dict[str, str]
) -> None:
    answer = previewed(as_user, "sales", "tasks.create", {"subject": "回访"}, "sales")
    assert answer.status == "allowed" and not answer.would_wait
    assert answer.risk_level == "low" and answer.rule_name is None
    assert answer.consent_allowed is True
    assert answer.reasons and answer.reasons[0].startswith("consent: ")


def test_refusals_say_why_without_recording_them(
    as_user: Callable[..., Any], ids: dict[str, str]
) -> None:
    unknown = previewed(as_user, "sales", "no.such_tool", {}, "sales")
    assert unknown.status == "refused" and unknown.reasons == ("no tool named 'no.such_tool'",)

    invalid = previewed(as_user, "service", "refunds.request", {"amount": "x"}, "service")
    assert invalid.status == "refused" and invalid.risk_level is None
    assert any(e["loc"][:2] == ["args", "order_id"] for e in invalid.errors)

    forbidden = previewed(as_user, "viewer", "tasks.create", {"subject": "回访"}, "sales")
    assert forbidden.status == "refused" and forbidden.risk_level is None

    unknown_contact = previewed(
        as_user,
        "sales",
        "messages.send",
        {"channel": "email", "contact_id": "0" * 32, "subject": "Hi", "body": "..."},
        "sales",
    )
    assert unknown_contact.status == "refused"
    assert unknown_contact.reasons == ("no contact with this id",)


def test_a_consent_refusal_is_previewed_without_an_audit_entry(
    as_user: Callable[..., Any], ids: dict[str, str]
) -> None:
    args = {"channel": "email", "contact_id": ids["contact"], "subject": "春季优惠", "body": "..."}
    answer = previewed(as_user, "marketing", "messages.send", args, "marketing")
    assert answer.status == "refused" and answer.consent_allowed is False
    assert answer.reasons[0].startswith("no consent: ")
    assert answer.risk_level is not None  # the risk policy was still applied

    executed = as_user(
        "marketing",
        lambda uow, p: Gateway().execute(uow, p, "messages.send", args, purpose="marketing"),
    )
    assert executed.status == "refused" and executed.reason == answer.reasons[0]


def test_a_destructive_call_from_a_text_plan_waits_for_approval(
    as_user: Callable[..., Any], ids: dict[str, str]
) -> None:
    def make_task(uow: UnitOfWork, sales: Principal) -> dict[str, Any]:
        out = Gateway().execute(uow, sales, "tasks.create", {"subject": "回访"}, purpose="sales")
        assert out.status == "executed" and out.output is not None
        return {"object_type": "activity", "record_id": out.output["id"], "version": 1}

    args = as_user("sales", make_task)

    def both(uow: UnitOfWork, sales: Principal) -> tuple[Preview, Preview]:
        gateway = Gateway()
        direct = gateway.preview(uow, sales, "records.delete", args, purpose="crm_ui")
        spoken = gateway.preview(
            uow, sales, "records.delete", args, purpose="crm_ui", origin="language"
        )
        return direct, spoken

    direct, spoken = as_user("sales", both, commit=False)
    assert direct.status == "allowed"
    assert spoken.status == "needs_approval" and spoken.rule_name == "language:destructive"

    waiting = as_user(
        "sales",
        lambda uow, p: Gateway().execute(
            uow, p, "records.delete", args, purpose="crm_ui", origin="language"
        ),
    )
    assert waiting.status == "pending_approval"
    assert waiting.reason == spoken.reasons[0]
