"""The scenarios S1, S3 and S11 end to end: events in through ``POST /api/v1/events``,
the embedded runtime delivers them to the agents, which act through the gateway.

Each test builds a small world through the service layer (dated in the past, so
the agents treat it as history, not news), posts the triggering event(s), waits
for the last action, and checks records, messages, decision records, the trace
and the time from the event to the last action.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any, TypeVar

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kith.access import service as access
from kith.access.models import RolePermission
from kith.access.repository import AccessRepository
from kith.access.service import system_principal
from kith.agents.models import AgentAction, AgentRequest
from kith.app import create_app
from kith.container import Container
from kith.core.clock import as_utc, utcnow
from kith.crm.models import Activity, Ticket
from kith.crm.schemas import TicketIn
from kith.crm.service import RecordService
from kith.crm.specs import SPECS
from kith.demo.loader import load_demo
from kith.events.models import ConsumedEvent, OutboxEvent
from kith.gateway.models import Coupon, DecisionRecord, Notification, OutboundMessage
from tests.conftest import PASSWORD, Api, Workspace, sign_in
from tests.integration.test_agents_support import (
    add_company_contact,
    add_owner,
    e7_fleet_in_the_cold,
    record_interaction,
    telemetry_history,
)

T = TypeVar("T")
MAX_LOOP_SECONDS = 15.0  # the seeds' bar is 4.7 minutes; the embedded stack needs well under


@pytest.fixture
def agents_client(container: Container, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("KITH_AGENTS_ENABLED", "true")  # off by default in test mode
    with TestClient(create_app(container)) as client:
        yield client


def _allow_events(container: Container, tenant_id: str) -> None:
    """Admins may post events (a grant as data, until access/roles.py carries it)."""
    with container.uow() as uow:
        role = AccessRepository(uow.session).role_by_name(tenant_id, "admin")
        assert role is not None
        if uow.session.get(RolePermission, (role.id, "event", "create")) is None:
            uow.session.add(
                RolePermission(
                    tenant_id=tenant_id,
                    role_id=role.id,
                    object_type="event",
                    action="create",
                    scope="all",
                )
            )
        uow.commit()


@pytest.fixture
def api(agents_client: TestClient, container: Container, workspace: Workspace) -> Api:
    _allow_events(container, workspace.tenant_id)
    return sign_in(agents_client, workspace.users["admin"].email)


def wait_for(
    probe: Callable[[], T | None], container: Container | None = None, timeout: float = 30.0
) -> T:
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() >= deadline:
            done = (
                rows(container, select(AgentAction).order_by(AgentAction.id)) if container else []
            )
            steps = [(a.agent_name, a.phase, a.tool, a.status, a.reason) for a in done]
            raise AssertionError(f"the agents did not finish in time; they did: {steps}")
        time.sleep(0.05)


def rows(container: Container, stmt: Any) -> list[Any]:
    with container.uow() as uow:
        found = list(uow.session.scalars(stmt))
        uow.session.expunge_all()
        return found


def event_of(container: Container, interaction_id: str) -> OutboxEvent:
    stmt = select(OutboxEvent).where(
        OutboxEvent.subject_id == interaction_id, OutboxEvent.type == "interaction.received"
    )
    return rows(container, stmt)[0]


def trace(container: Container, trace_id: str) -> list[AgentAction]:
    stmt = select(AgentAction).where(AgentAction.trace_id == trace_id).order_by(AgentAction.id)
    return rows(container, stmt)


def acted(container: Container, trace_id: str) -> list[tuple[str, str | None, str | None]]:
    return [
        (a.agent_name, a.tool, a.status) for a in trace(container, trace_id) if a.phase == "acted"
    ]


def loop_seconds(container: Container, root: OutboxEvent) -> float:
    last = max(as_utc(a.at) for a in trace(container, root.event_id))
    return (last - as_utc(root.occurred_at)).total_seconds()


def consumed_by_agents(container: Container, event_id: str) -> bool:
    return bool(
        rows(
            container,
            select(ConsumedEvent).where(
                ConsumedEvent.consumer == "agents", ConsumedEvent.event_id == event_id
            ),
        )
    )


# --- S1 ------------------------------------------------------------------------------------


def _service_team(container: Container, workspace: Workspace) -> None:
    with container.uow() as uow:
        access.add_team(
            uow.session,
            workspace.tenant_id,
            "客户服务组 Customer Service",
            workspace.users["service"],
            [],
        )
        uow.commit()


def _winter_message(api: Api, app_user_id: str) -> dict[str, Any]:
    result: dict[str, Any] = api.post(
        "/events",
        {
            "type": "interaction.inbound",
            "idempotency_key": "app-feedback-20261121-001",
            "data": {
                "customer": {"app_user_id": app_user_id},
                "channel": "app",
                "subject": "冬季续航缩水严重",
                "text": "最近早上零下二十度，满电表显 520 公里，实际跑不到 300 公里。"
                "冬季续航缩水严重，是不是电池有问题？",
                "meta": {"model": "E7", "screen": "意见反馈"},
            },
        },
    )
    return result


def test_s1_winter_range_complaint_is_diagnosed_analysed_and_answered_with_an_offer(
    api: Api, container: Container, workspace: Workspace
) -> None:
    tenant = workspace.tenant_id
    _service_team(container, workspace)
    owner = add_owner(container, tenant, "陈晓峰", app_user_id="HC-APP-100001").contact_id
    e7_fleet_in_the_cold(container, tenant, owner, every_days=4)

    accepted = _winter_message(api, "HC-APP-100001")
    assert accepted["contact_id"] == owner
    root = event_of(container, accepted["interaction_id"])

    offer = wait_for(
        lambda: rows(
            container,
            select(OutboundMessage).where(
                OutboundMessage.contact_id == owner, OutboundMessage.purpose == "marketing"
            ),
        )
    )
    assert "低温驾驶技巧" in offer[0].subject and "免费电池健康检测" in offer[0].subject
    assert offer[0].channel == "app_push" and offer[0].status == "sent"
    assert "续航下降主要由低温导致" in offer[0].body

    (ticket,) = rows(container, select(Ticket).where(Ticket.contact_id == owner))
    assert (ticket.category, ticket.severity, ticket.priority) == ("battery_range", "s3", "high")
    assert ticket.created_by_kind == "agent" and ticket.assignee_id == workspace.users["service"].id
    (request,) = rows(container, select(AgentRequest))
    assert (request.to_agent, request.kind, request.status) == (
        "product_insight",
        "fleet_telemetry",
        "answered",
    )
    assert request.answer is not None
    assert request.answer["conclusion"] == "cold_weather_range_loss"
    assert request.answer["findings"]["vehicles"] == 4
    notes = rows(container, select(Activity).where(Activity.ticket_id == ticket.id))
    assert [n.kind for n in notes] == ["note"] and "低温" in (notes[0].body or "")

    assert acted(container, root.event_id) == [
        ("service", "tickets.create", "executed"),
        ("service", "tickets.assign", "executed"),
        ("service", "agents.request_analysis", "executed"),
        ("service", "notes.add", "executed"),
        ("retention", "messages.send", "executed"),
    ]
    decisions = rows(container, select(DecisionRecord).where(DecisionRecord.actor_kind == "agent"))
    assert {d.tool for d in decisions} == {
        "tickets.create",
        "tickets.assign",
        "agents.request_analysis",
        "notes.add",
        "messages.send",
    }
    offer_decision = next(d for d in decisions if d.tool == "messages.send")
    assert offer_decision.purpose == "marketing" and offer_decision.consent_allowed is True
    assert offer_decision.rationale is not None
    assert offer_decision.rationale["factors"][0]["name"] == "fleet_conclusion"
    assert loop_seconds(container, root) < MAX_LOOP_SECONDS


def test_s1_offer_is_held_while_a_severe_complaint_is_open(
    api: Api, container: Container, workspace: Workspace
) -> None:
    tenant = workspace.tenant_id
    owner = add_owner(container, tenant, "陈晓峰", app_user_id="HC-APP-100001").contact_id
    e7_fleet_in_the_cold(container, tenant, owner, every_days=4)
    earlier = utcnow() - timedelta(days=3)
    with container.uow() as uow:
        RecordService(uow, system_principal(tenant), lambda: earlier).create(
            "ticket", TicketIn(subject="刹车异响投诉", severity="s2", contact_id=owner)
        )
        uow.commit()

    root = event_of(container, _winter_message(api, "HC-APP-100001")["interaction_id"])
    held = wait_for(
        lambda: [
            a
            for a in trace(container, root.event_id)
            if a.agent_name == "retention" and a.phase == "acted"
        ]
    )
    assert held[0].status == "blocked" and "complaint_hold" in (held[0].reason or "")
    assert rows(container, select(OutboundMessage).where(OutboundMessage.contact_id == owner)) == []
    (no_action,) = rows(
        container, select(DecisionRecord).where(DecisionRecord.status == "no_action")
    )
    assert no_action.tool == "messages.send" and no_action.contact_id == owner


# --- S3 ------------------------------------------------------------------------------------


def _visit(api: Api, email: str) -> str:
    accepted = api.post(
        "/events",
        {
            "type": "web.visit",
            "data": {
                "visitor": {"email": email},
                "page": "远程质控模块",
                "url": "https://www.huachen-med.example/products/remote-qc",
                "duration_s": 420,
            },
        },
    )
    return str(accepted["interaction_id"])


def test_s3_three_visits_by_a_hospital_director_bring_a_demo_proposal_and_a_compliance_review(
    api: Api, container: Container, workspace: Workspace
) -> None:
    tenant = workspace.tenant_id
    with container.uow() as uow:
        counsel = access.create_user(
            uow.session,
            tenant,
            email="counsel@acme.example.com",
            name="法务 王律师",
            password=None,
            roles=["viewer"],
            title="法务经理",
        )
        access.add_team(uow.session, tenant, "法务合规 Legal", counsel, [counsel])
        uow.commit()
    director = add_company_contact(
        container,
        tenant,
        company="杭州仁和医院",
        name="周卫东",
        title="设备科主任",
        industry="healthcare",
        owner_id=workspace.users["sales"].id,
        email="zhou.weidong@renhe-hospital.example",
    )
    manager = workspace.users["manager"].id  # manages the team of the account's owner

    for _ in range(2):
        second = _visit(api, "zhou.weidong@renhe-hospital.example")
    wait_for(lambda: consumed_by_agents(container, event_of(container, second).event_id))
    assert rows(container, select(Ticket)) == []

    root = event_of(container, _visit(api, "zhou.weidong@renhe-hospital.example"))
    wait_for(lambda: rows(container, select(Notification).where(Notification.user_id == manager)))
    (review,) = rows(container, select(Ticket))
    assert review.category == "compliance_review" and review.assignee_id == counsel.id
    assert review.account_id == director.account_id and "合规预审" in review.subject
    (task,) = rows(container, select(Activity).where(Activity.kind == "task"))
    assert task.assignee_id == manager and "定制演示方案" in task.subject
    assert review.number in (task.body or "") and "3 次浏览「远程质控模块」" in (task.body or "")
    assert acted(container, root.event_id) == [
        ("sales", "tickets.create", "executed"),
        ("sales", "tasks.create", "executed"),
        ("sales", "users.notify", "executed"),
    ]
    decision = rows(container, select(DecisionRecord).where(DecisionRecord.tool == "tasks.create"))[
        0
    ]
    assert decision.rationale is not None and decision.rationale["confidence"] >= 0.6
    assert [f["name"] for f in decision.rationale["factors"]][:2] == ["visits", "decision_maker"]
    assert loop_seconds(container, root) < MAX_LOOP_SECONDS

    fourth = _visit(api, "zhou.weidong@renhe-hospital.example")
    wait_for(lambda: consumed_by_agents(container, event_of(container, fourth).event_id))
    assert len(rows(container, select(Ticket))) == 1, "one proposal per page, not per visit"


# --- S11 -----------------------------------------------------------------------------------


def test_s11_fast_ageing_batteries_in_a_region_reach_owners_partners_and_rnd_in_one_trace(
    api: Api, container: Container, workspace: Workspace
) -> None:
    tenant = workspace.tenant_id
    harbin = [
        add_owner(container, tenant, f"哈尔滨车主{i}", mobile=f"1360000000{i}").contact_id
        for i in range(4)
    ]
    shanghai = add_owner(
        container, tenant, "上海车主", city="上海", mobile="13600000009"
    ).contact_id
    for n, contact_id in enumerate(harbin):
        telemetry_history(
            container,
            tenant,
            contact_id,
            model="E7",
            region="哈尔滨",
            cell_batch="CB-2411K",
            soh_start=99.0,
            loss_per_month=1.0 + n / 10,
        )
    telemetry_history(
        container,
        tenant,
        shanghai,
        model="E7",
        region="上海",
        cell_batch="CB-2501A",
        soh_start=99.0,
        loss_per_month=0.2,
    )
    partner = add_company_contact(
        container,
        tenant,
        company="哈尔滨冰城新能源汽车服务有限公司",
        name="刘德胜",
        title="服务站站长",
        industry="automotive",
        city="哈尔滨",
        email="liu.desheng@bingcheng.example",
    )
    record_interaction(
        container,
        tenant,
        channel="email",
        contact_id=partner.contact_id,
        text="合作协议已续签",
        at=utcnow() - timedelta(days=20),
    )

    accepted = api.post(
        "/events",
        {
            "type": "telemetry.reading",
            "data": {
                "device_id": "tbox-hrb-0001",
                "vehicle_id": "LHCE7HRB000000001",
                "model": "E7",
                "region": "哈尔滨",
                "owner": {"contact_id": harbin[0]},
                "metrics": {"soh_pct": 92.4, "battery_temp_c": -14.5},
            },
        },
    )
    root = event_of(container, accepted["interaction_id"])

    wait_for(
        lambda: (
            len(rows(container, select(Coupon))) == 4 and rows(container, select(OutboundMessage))
        ),
        container,
    )
    (flag,) = rows(container, select(Ticket))
    assert flag.category == "battery_degradation" and "CB-2411K" in flag.subject
    assert "哈尔滨" in flag.subject and flag.created_by_kind == "agent"
    coupons = rows(container, select(Coupon))
    assert sorted(c.contact_id for c in coupons) == sorted(harbin)
    assert {(c.kind, str(c.value)) for c in coupons} == {("service_voucher", "199.00")}
    (notice,) = rows(container, select(OutboundMessage))
    assert notice.recipient == "liu.desheng@bingcheng.example" and notice.status == "sent"
    assert "预留" in notice.body and "4" in notice.body

    steps = acted(container, root.event_id)
    assert steps[0] == ("product_insight", "tickets.create", "executed")
    assert steps.count(("retention", "coupons.issue", "executed")) == 4
    assert ("service", "messages.send", "executed") in steps
    assert {a.trace_id for a in trace(container, root.event_id)} == {root.event_id}
    assert loop_seconds(container, root) < MAX_LOOP_SECONDS


# --- the same scenarios on the demo personas -------------------------------------------------


def test_the_scenarios_run_on_the_demo_personas(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    if container.engine.dialect.name != "sqlite":
        pytest.skip("the demo dataset is loaded once, on the embedded stack")
    loaded = load_demo(
        container, tenant_slug="demo", password=PASSWORD, seed=42, scale=0.05, anchor=utcnow()
    )
    assert loaded.status == "loaded"
    with container.uow() as uow:
        tenant = AccessRepository(uow.session).tenant_by_slug("demo")
        assert tenant is not None
        tenant_id = tenant.id
        records = RecordService(uow, system_principal(tenant_id))
        persona = {
            key: records.repo.find_by(SPECS["contact"], external_id=f"demo:contact:{key}")
            for key in ("ev-chen-xiaofeng", "renhe-zhou-weidong", "harbin-owner-01")
        }
        ids = {key: contact.id for key, contact in persona.items() if contact is not None}
    monkeypatch.setenv("KITH_AGENTS_ENABLED", "true")
    with TestClient(create_app(container)) as client:
        admin = sign_in(client, "zhou.ming@kith.demo")
        _allow_events(container, tenant_id)
        s1 = admin.post(
            "/events",
            {
                "type": "interaction.inbound",
                "data": {
                    "customer": {"contact_id": ids["ev-chen-xiaofeng"]},
                    "channel": "app",
                    "subject": "冬季续航缩水严重",
                    "text": "冬季续航缩水严重，是不是电池有问题？",
                    "meta": {"model": "E7"},
                },
            },
        )
        s3 = admin.post(
            "/events",
            {
                "type": "web.visit",
                "data": {
                    "visitor": {"contact_id": ids["renhe-zhou-weidong"]},
                    "page": "远程质控模块",
                    "url": "https://www.huachen-med.example/products/remote-qc",
                },
            },
        )
        s11 = admin.post(
            "/events",
            {
                "type": "telemetry.reading",
                "data": {
                    "device_id": "tbox-demo",
                    "model": "E7",
                    "region": "哈尔滨",
                    "owner": {"contact_id": ids["harbin-owner-01"]},
                    "metrics": {"soh_pct": 80.0, "battery_temp_c": -15.0},
                },
            },
        )
        roots = {
            name: event_of(container, accepted["interaction_id"])
            for name, accepted in (("s1", s1), ("s3", s3), ("s11", s11))
        }

        def finished() -> bool:
            tools = {
                name: [tool for _, tool, _ in acted(container, root.event_id)]
                for name, root in roots.items()
            }
            return (
                "messages.send" in tools["s1"]
                and "users.notify" in tools["s3"]
                and "coupons.issue" in tools["s11"]
                and "messages.send" in tools["s11"]
            )

        wait_for(finished, container, timeout=60)
    s1_steps = acted(container, roots["s1"].event_id)
    assert ("retention", "messages.send", "executed") in s1_steps
    s11_steps = acted(container, roots["s11"].event_id)
    assert s11_steps[0] == ("product_insight", "tickets.create", "executed")
    assert s11_steps.count(("retention", "coupons.issue", "executed")) >= 5  # the Harbin cohort
    for root in roots.values():
        assert loop_seconds(container, root) < MAX_LOOP_SECONDS
