"""The Knowledge agent from an inbound message to its outcome, through the real
agents consumer and gateway: a question the public knowledge answers gets a cited
reply (and no ticket from the Service agent), a clarifying question when it is too
vague, and a ticket with the question, what was found and why it stopped when it is
not sure; internal knowledge never reaches a customer; every answer is a decision
record with its passages, and is kept for the feedback dashboard."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from kith.access.service import principal_for_user
from kith.container import Container
from kith.crm.models import Ticket
from kith.gateway.models import DecisionRecord, OutboundMessage
from kith.knowledge.models import KnowledgeAnswer
from kith.knowledge.service import KnowledgeService
from tests.conftest import Workspace
from tests.integration.test_agents_builtin import Agents
from tests.integration.test_agents_support import add_owner, record_interaction

POLICY = """# 加盟政策

## 加盟费用

一线城市的加盟费为 10 万元,二线城市为 6 万元。保证金 3 万元,合同期满无违约全额退还。

## 区域保护

每个加盟店享有半径 3 公里的区域保护,区域内不再开设第二家加盟店。

## 培训

总部提供为期 14 天的开店培训,培训费用已包含在加盟费中。
""".encode()
SECRET = "# 内部折扣\n\n## 加盟费折扣\n\n老客户介绍的加盟商加盟费可打七折,仅限内部掌握。\n".encode()


@pytest.fixture
def agents(container: Container, workspace: Workspace) -> Iterator[Agents]:
    with container.uow() as uow:
        admin = principal_for_user(uow.session, workspace.users["admin"])
        service = KnowledgeService(uow, admin)
        service.create_space("加盟政策", "public")
        service.add_document("加盟政策", "policy.md", POLICY, title="加盟政策手册")
        service.create_space("内部销售政策", "internal")
        service.add_document("内部销售政策", "discount.md", SECRET, title="内部折扣")
        uow.commit()
    world = Agents(container, workspace.tenant_id)
    yield world
    world.runtime.close()


def _ask(container: Container, workspace: Workspace, owner: str, text: str) -> str:
    return record_interaction(
        container, workspace.tenant_id, channel="chat", contact_id=owner, text=text
    )


def test_a_question_the_public_knowledge_answers_gets_a_cited_reply_and_no_ticket(
    agents: Agents, container: Container, workspace: Workspace
) -> None:
    owner = add_owner(container, workspace.tenant_id).contact_id
    interaction = _ask(container, workspace, owner, "请问一线城市的加盟费是多少?")
    agents.settle()
    (reply,) = agents.rows(select(OutboundMessage).where(OutboundMessage.contact_id == owner))
    assert reply.purpose == "service" and reply.channel == "app_push"
    assert "10 万元" in reply.body
    assert "来源" in reply.body and "加盟政策手册 v1" in reply.body
    assert "七折" not in reply.body  # the internal space never reaches a customer
    assert agents.rows(select(Ticket)) == []  # the Service agent left it alone
    (decision,) = agents.rows(
        select(DecisionRecord).where(DecisionRecord.tool == "knowledge.answer")
    )
    assert decision.status == "executed"
    assert decision.subject_type == "interaction" and decision.subject_id == interaction
    output = decision.output or {}
    assert output["status"] == "answered" and output["citations"]
    assert all(c["document"] == "加盟政策手册" for c in output["citations"])
    (kept,) = agents.rows(select(KnowledgeAnswer))
    assert (kept.source, kept.audience, kept.status) == ("agent", "customer", "answered")
    assert kept.passages and kept.contact_id == owner


def test_a_question_it_cannot_answer_is_handed_over_with_what_it_found_and_why(
    agents: Agents, container: Container, workspace: Workspace
) -> None:
    owner = add_owner(container, workspace.tenant_id).contact_id
    _ask(container, workspace, owner, "请问加盟店可以用比特币支付加盟费吗?")
    agents.settle()
    assert agents.rows(select(OutboundMessage)) == []
    (ticket,) = agents.rows(select(Ticket))  # one ticket: the Service agent did not add one
    assert ticket.category == "knowledge" and ticket.contact_id == owner
    assert "比特币" in ticket.subject
    description = ticket.description or ""
    assert "客户问题: 请问加盟店可以用比特币支付加盟费吗?" in description
    assert "未自动回答的原因" in description and "比特币" in description
    assert "加盟政策手册 v1 › 加盟政策 > 加盟费用" in description  # what it found
    assert "七折" not in description  # not even internal passages as candidates
    (kept,) = agents.rows(select(KnowledgeAnswer))
    assert kept.status == "handover" and kept.reason
    decisions = agents.rows(select(DecisionRecord).where(DecisionRecord.tool == "tickets.create"))
    assert [d.status for d in decisions] == ["executed"]


def test_a_question_about_internal_knowledge_only_is_not_answered_to_a_customer(
    agents: Agents, container: Container, workspace: Workspace
) -> None:
    owner = add_owner(container, workspace.tenant_id).contact_id
    _ask(container, workspace, owner, "老客户介绍的加盟商有折扣吗?能打几折?")
    agents.settle()
    for message in agents.rows(select(OutboundMessage)):
        assert "七折" not in message.body
    for ticket in agents.rows(select(Ticket)):
        assert "七折" not in (ticket.description or "")


def test_messages_that_are_not_questions_are_left_to_the_service_agent(
    agents: Agents, container: Container, workspace: Workspace
) -> None:
    owner = add_owner(container, workspace.tenant_id).contact_id
    _ask(container, workspace, owner, "App 登录后闪退,已经三次了。")
    agents.settle()
    assert agents.rows(select(KnowledgeAnswer)) == []
    (ticket,) = agents.rows(select(Ticket))
    assert ticket.category != "knowledge"
