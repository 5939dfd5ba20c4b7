"""The built-in agents' everyday work, through the real gateway: escalation on anger
and SLA risk, answers from a customer's ticket history, lead triage, stalled-deal
nudges and churn offers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from kith.access.service import system_principal
from kith.agents.router import AgentRouter
from kith.agents.runtime import AgentRuntime
from kith.agents.wiring import build_runtime
from kith.container import Container
from kith.core.clock import utcnow
from kith.crm.models import Activity, PipelineStage, Ticket
from kith.crm.schemas import ActivityIn, DealIn, LeadIn, PipelineIn, TicketIn
from kith.crm.service import RecordService
from kith.crm.specs import PATCH_SCHEMAS
from kith.events.types import Actor, DomainEvent
from kith.gateway.models import DecisionRecord, OutboundMessage
from tests.conftest import Workspace
from tests.integration.test_agents_support import (
    add_company_contact,
    add_owner,
    drive,
    last_seq,
    record_interaction,
)


class Agents:
    """The built-in agents over a workspace, driven over the outbox."""

    def __init__(self, container: Container, tenant_id: str) -> None:
        self.container = container
        self.tenant_id = tenant_id
        self.runtime: AgentRuntime = build_runtime(container)
        self.router = AgentRouter(self.runtime.registry, self.runtime)
        self.seq = last_seq(container)

    def settle(self) -> None:
        self.seq = drive(self.container, self.router, self.seq)

    def write(self, work: Callable[[RecordService], Any], at: datetime | None = None) -> Any:
        """Change records as a person would (at ``at``), then let the agents react."""
        when = at or utcnow()
        with self.container.uow() as uow:
            result = work(RecordService(uow, system_principal(self.tenant_id), lambda: when))
            uow.commit()
        self.settle()
        return result

    def rows(self, stmt: Any) -> list[Any]:
        with self.container.uow() as uow:
            found = list(uow.session.scalars(stmt))
            uow.session.expunge_all()
            return found


@pytest.fixture
def agents(container: Container, workspace: Workspace) -> Iterator[Agents]:
    world = Agents(container, workspace.tenant_id)
    yield world
    world.runtime.close()


def test_an_upset_customer_chasing_an_open_ticket_gets_it_escalated(
    agents: Agents, container: Container, workspace: Workspace
) -> None:
    owner = add_owner(container, workspace.tenant_id).contact_id
    ticket = agents.write(
        lambda r: r.create("ticket", TicketIn(subject="充电桩安装", contact_id=owner)),
        at=utcnow() - timedelta(days=3),
    )
    record_interaction(
        container,
        workspace.tenant_id,
        channel="chat",
        contact_id=owner,
        ticket_id=ticket["id"],
        text="三天了还没人联系我，太失望了，我要投诉！",
    )
    agents.settle()
    (escalated,) = agents.rows(select(Ticket))
    assert escalated.escalated and escalated.priority == "urgent"
    (note,) = agents.rows(select(Activity).where(Activity.ticket_id == ticket["id"]))
    assert note.subject.startswith("Escalated: customer is upset")


def test_a_ticket_about_to_breach_its_sla_is_escalated(agents: Agents) -> None:
    urgent = TicketIn(subject="车辆无法启动", priority="urgent")  # resolve within 4 hours
    ticket = agents.write(lambda r: r.create("ticket", urgent), at=utcnow() - timedelta(hours=3.5))
    (row,) = agents.rows(select(Ticket).where(Ticket.id == ticket["id"]))
    assert row.escalated
    (note,) = agents.rows(select(Activity).where(Activity.ticket_id == row.id))
    assert note.subject.startswith("Escalated: SLA at risk")


def test_a_question_answered_before_is_answered_from_the_customers_history(
    agents: Agents, container: Container, workspace: Workspace
) -> None:
    owner = add_owner(container, workspace.tenant_id).contact_id
    earlier = utcnow() - timedelta(days=40)
    ticket = agents.write(
        lambda r: r.create("ticket", TicketIn(subject="家用充电桩怎么申请安装", contact_id=owner)),
        at=earlier,
    )
    answer = "在 App「我的-充电桩」提交申请，三个工作日内会有工程师上门勘测。"
    agents.write(
        lambda r: r.create(
            "activity", ActivityIn(kind="note", subject="解决", body=answer, ticket_id=ticket["id"])
        ),
        at=earlier,
    )
    agents.write(
        lambda r: r.update(
            "ticket",
            ticket["id"],
            PATCH_SCHEMAS["ticket"](version=ticket["version"], status="resolved"),
        )
    )
    record_interaction(
        container,
        workspace.tenant_id,
        channel="chat",
        contact_id=owner,
        text="请问充电桩怎么申请安装？",
    )
    agents.settle()
    (reply,) = agents.rows(select(OutboundMessage).where(OutboundMessage.contact_id == owner))
    assert reply.purpose == "service" and reply.channel == "app_push"
    assert answer in reply.body


def test_new_leads_are_triaged_by_score(agents: Agents, workspace: Workspace) -> None:
    rep = workspace.users["sales"].id
    strong = LeadIn(
        name="李强",
        company="仁和医院",
        title="设备科主任",
        industry="healthcare",
        source="referral",
        phone="13800001111",
        owner_id=rep,
    )
    weak = LeadIn(name="Anon", source="list")
    hot = agents.write(lambda r: r.create("lead", strong))
    cold = agents.write(lambda r: r.create("lead", weak))
    (task,) = agents.rows(select(Activity).where(Activity.lead_id == hot["id"]))
    assert task.kind == "task" and task.assignee_id == rep and task.due_at is not None
    (note,) = agents.rows(select(Activity).where(Activity.lead_id == cold["id"]))
    assert note.kind == "note"


def test_a_stalled_deal_is_nudged_once_when_its_customer_gets_in_touch(
    agents: Agents, container: Container, workspace: Workspace
) -> None:
    rep = workspace.users["sales"].id
    customer = add_company_contact(
        container,
        workspace.tenant_id,
        company="钢城集团",
        name="黄晓东",
        title="采购总监",
        industry="steel",
        owner_id=rep,
    )
    long_ago = utcnow() - timedelta(days=58)

    def stuck_deal(records: RecordService) -> Any:
        pipeline = records.create("pipeline", PipelineIn(name="Fleet", is_default=True))
        stage = PipelineStage(
            tenant_id=workspace.tenant_id,
            pipeline_id=pipeline["id"],
            name="方案演示",
            position=0,
            probability=40,
        )
        records.uow.session.add(stage)
        records.uow.session.flush()
        return records.create(
            "deal",
            DealIn(name="钢城 V9", account_id=customer.account_id, stage_id=stage.id, owner_id=rep),
        )

    deal = agents.write(stuck_deal, at=long_ago)
    for _ in range(2):
        record_interaction(
            container,
            workspace.tenant_id,
            channel="email",
            contact_id=customer.contact_id,
            text="请再发一下报价",
        )
        agents.settle()
    (nudge,) = agents.rows(select(Activity).where(Activity.deal_id == deal["id"]))
    assert nudge.kind == "task" and nudge.assignee_id == rep
    assert "方案演示" in nudge.subject and "58" in nudge.subject


def test_a_churn_risk_brings_a_consent_checked_thank_you_offer(
    agents: Agents, container: Container, workspace: Workspace
) -> None:
    owner = add_owner(container, workspace.tenant_id).contact_id
    # A customer we have talked to before (a first contact would wait for approval).
    record_interaction(
        container,
        workspace.tenant_id,
        channel="app",
        contact_id=owner,
        text="收到",
        at=utcnow() - timedelta(days=30),
    )
    with container.uow() as uow:
        uow.emit(
            DomainEvent(
                type="score.changed",
                tenant_id=workspace.tenant_id,
                subject_type="contact",
                subject_id=owner,
                actor=Actor.system(),
                payload={"kind": "churn", "score": 0.82},
            )
        )
        uow.commit()
    agents.settle()
    (offer,) = agents.rows(select(OutboundMessage).where(OutboundMessage.contact_id == owner))
    assert offer.purpose == "marketing" and offer.subject == "专属关怀"
    (decision,) = agents.rows(select(DecisionRecord).where(DecisionRecord.tool == "messages.send"))
    assert decision.consent_allowed is True and decision.rationale is not None
    assert decision.rationale["factors"] == [
        {"name": "churn_score", "value": 0.82, "contribution": 1.0, "description": None}
    ]


def test_a_ticket_from_a_message_has_a_short_subject_and_the_text_once(
    agents: Agents, container: Container, workspace: Workspace
) -> None:
    owner = add_owner(container, workspace.tenant_id).contact_id
    text = (
        "App 一直闪退，登录之后马上退出。重装了两次还是一样，"
        "手机是华为 Mate 60，系统已经升级到最新版本，麻烦尽快帮忙看一下！"
    )
    record_interaction(container, workspace.tenant_id, channel="app", contact_id=owner, text=text)
    agents.settle()
    (ticket,) = agents.rows(select(Ticket).where(Ticket.contact_id == owner))
    assert ticket.subject == "App 一直闪退，登录之后马上退出"
    assert ticket.description is not None and ticket.description.count(text) == 1
    assert text not in ticket.subject

    # A message with its own subject keeps it as the ticket's subject.
    other = add_owner(container, workspace.tenant_id, "王芳", mobile="13900001111").contact_id
    record_interaction(
        container,
        workspace.tenant_id,
        channel="email",
        contact_id=other,
        subject="发票抬头开错了",
        text="上个月的保养发票抬头写成了个人，应该是公司名称，请重新开具。",
    )
    agents.settle()
    (titled,) = agents.rows(select(Ticket).where(Ticket.contact_id == other))
    assert titled.subject == "发票抬头开错了"
