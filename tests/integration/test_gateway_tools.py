"""The built-in catalog end to end: a service loop (ticket, assignment, escalation,
logged call, goodwill coupon, campaign, draft) and record search, through the gateway."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from kith.access.models import User
from kith.access.principal import Principal
from kith.access.service import principal_for_user
from kith.container import Container
from kith.crm import models as m
from kith.crm import schemas as s
from kith.crm.service import RecordService
from kith.db.uow import UnitOfWork
from kith.gateway.gateway import Gateway
from kith.gateway.models import CampaignEnrollment, Coupon, OutboundMessage
from kith.timeline.models import TimelineEntry
from tests.conftest import Workspace


@pytest.fixture
def call(container: Container, workspace: Workspace) -> Callable[..., Any]:
    """``call(role, tool, args, purpose)`` through the gateway, committed; returns the output."""

    def _call(role: str, tool: str, args: dict[str, Any], purpose: str) -> Any:
        with container.uow() as uow:
            user = uow.session.get(User, workspace.users[role].id)
            assert user is not None
            result = Gateway().execute(
                uow, principal_for_user(uow.session, user), tool, args, purpose=purpose
            )
            uow.commit()
        assert result.status == "executed", (tool, result.reason, result.errors)
        return result.output

    return _call


@pytest.fixture
def contact_id(container: Container, workspace: Workspace) -> str:
    with container.uow() as uow:
        admin = uow.session.get(User, workspace.users["admin"].id)
        assert admin is not None
        records = RecordService(uow, principal_for_user(uow.session, admin))
        account = records.create("account", s.AccountIn(name="蔚来车主俱乐部"))["id"]
        contact: str = records.create(
            "contact", s.ContactIn(name="陈晨", account_id=account, email="chen@ev.cn")
        )["id"]
        uow.commit()
    return contact


def test_a_service_loop_through_the_catalog(
    call: Callable[..., Any], contact_id: str, container: Container, workspace: Workspace
) -> None:
    ticket = call(
        "service",
        "tickets.create",
        {"subject": "冬季续航缩水严重", "contact_id": contact_id, "channel": "app"},
        "service",
    )
    assert ticket["number"] == "T-000001" and ticket["status"] == "new"
    engineer = workspace.users["service"].id
    assigned = call(
        "service", "tickets.assign", {"ticket_id": ticket["id"], "assignee_id": engineer}, "service"
    )
    assert assigned["assignee_id"] == engineer
    escalated = call(
        "service",
        "tickets.escalate",
        {"ticket_id": ticket["id"], "reason": "VIP, third report", "priority": "urgent"},
        "service",
    )
    assert (escalated["escalated"], escalated["priority"]) == (True, "urgent")
    call(
        "service",
        "interactions.log",
        {
            "channel": "phone",
            "direction": "outbound",
            "text": "已电话回访",
            "contact_id": contact_id,
        },
        "service",
    )
    coupon = call(
        "service",
        "coupons.issue",
        {
            "contact_id": contact_id,
            "kind": "service_voucher",
            "value": "199",
            "reason": "免费电池检测",
        },
        "service",
    )
    assert coupon["code"].startswith("KC-") and coupon["value"] == "199"
    enrolled = call(
        "marketing",
        "campaigns.enroll",
        {"campaign": "winter-tips", "contact_id": contact_id},
        "marketing",
    )
    again = call(
        "marketing",
        "campaigns.enroll",
        {"campaign": "winter-tips", "contact_id": contact_id},
        "marketing",
    )
    assert enrolled["newly_enrolled"] and not again["newly_enrolled"]
    draft = call(
        "service",
        "email.draft",
        {"contact_id": contact_id, "subject": "低温驾驶技巧", "body": "..."},
        "service",
    )
    assert draft["to"] == "chen@ev.cn"

    with container.uow() as uow:
        kinds = [e.event_type for e in _timeline(uow, contact_id)]
        assert {"coupon.issued", "campaign.enrolled", "interaction.sent"} <= set(kinds)
        notes = uow.session.scalars(
            select(m.Activity.subject).where(m.Activity.ticket_id == ticket["id"])
        )
        assert list(notes) == ["Escalated: VIP, third report"]
        assert len(uow.session.scalars(select(CampaignEnrollment)).all()) == 1
        assert uow.session.scalars(select(Coupon.status)).all() == ["issued"]
        assert uow.session.scalars(select(OutboundMessage.status)).all() == ["draft"]


def _timeline(uow: UnitOfWork, contact_id: str) -> list[Any]:
    stmt = select(TimelineEntry).where(TimelineEntry.contact_id == contact_id)
    return list(uow.session.scalars(stmt))


def test_records_tools_search_read_and_respect_hidden_fields(
    call: Callable[..., Any], contact_id: str
) -> None:
    found = call("sales", "records.search", {"object_type": "contact", "q": "陈晨"}, "sales")
    assert [c["id"] for c in found["items"]] == [contact_id]
    record = call(
        "sales", "records.get", {"object_type": "contact", "record_id": contact_id}, "sales"
    )["record"]
    assert record["name"] == "陈晨" and "id_number" not in record  # hidden for sales


def test_deal_stage_moves_by_name(
    call: Callable[..., Any], container: Container, workspace: Workspace
) -> None:
    with container.uow() as uow:
        admin: Principal = principal_for_user(
            uow.session, uow.session.get(User, workspace.users["admin"].id)
        )  # type: ignore[arg-type]
        records = RecordService(uow, admin)
        pipeline = records.create("pipeline", s.PipelineIn(name="Sales", is_default=True))["id"]
        for i, name in enumerate(["Qualify", "方案演示"]):
            uow.session.add(
                m.PipelineStage(
                    tenant_id=admin.tenant_id,
                    pipeline_id=pipeline,
                    name=name,
                    probability=10 * (i + 1),
                    position=i,
                )
            )
        uow.session.flush()
        deal = records.create("deal", s.DealIn(name="Fleet", owner_id=workspace.users["sales"].id))[
            "id"
        ]
        uow.commit()
    moved = call(
        "sales", "deals.update_stage", {"deal_id": deal, "stage_name": "方案演示"}, "sales"
    )
    assert (moved["stage_name"], moved["probability"], moved["version"]) == ("方案演示", 20, 2)
