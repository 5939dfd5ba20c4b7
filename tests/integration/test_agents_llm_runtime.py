"""A language model may choose an agent's tool calls: valid ones go to the gateway,
invalid ones are rejected and recorded (masked), and the rules decide instead."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from kith.agents.router import AgentRouter
from kith.agents.runtime import AgentRuntime
from kith.agents.sdk import (
    Agent,
    AgentRegistry,
    AgentSpec,
    Assessment,
    DataScope,
    Perception,
    ProposedAction,
    StepContext,
    on,
)
from kith.agents.wiring import GatewayDecisionLog, GatewayToolCatalog
from kith.container import Container
from kith.events.envelope import Envelope
from kith.gateway.models import DecisionRecord
from tests.conftest import Workspace
from tests.integration.test_agents_support import (
    FakeGateway,
    actions,
    add_owner,
    drive,
    last_seq,
    record_interaction,
)
from tests.unit.test_agents_llm import FakeLLM, engine_for
from tests.unit.test_agents_llm import fake_llm as fake_llm  # the server fixture


def _chat(envelope: Envelope) -> bool:
    return envelope.payload.get("record", {}).get("channel") == "chat"


class Concierge(Agent):
    spec = AgentSpec(
        name="concierge",
        scope=DataScope({"contact": ("read",), "activity": ("read", "create")}),
        subscriptions=(on("interaction.received", _chat),),
        tools=frozenset({"tasks.create"}),
        purpose="service",
    )

    def perceive(self, ctx: StepContext) -> Perception | None:
        contact = ctx.records.get("contact", ctx.record["contact_id"])
        return Perception(
            f"chat from {contact['name']}",
            contact_id=contact["id"],
            facts={"private_name": contact["name"], "private_mobile": contact["mobile"]},
        )

    def decide(self, assessment: Assessment, ctx: StepContext) -> list[ProposedAction]:
        task = {"subject": "Call back", "contact_id": assessment.perception.contact_id}
        return [ctx.propose("tasks.create", task, purpose="service", summary="rules: call back")]


@pytest.fixture
def world(
    container: Container, workspace: Workspace, fake_llm: FakeLLM
) -> Iterator[tuple[AgentRouter, FakeGateway, str]]:
    registry = AgentRegistry()
    registry.register(Concierge)
    gateway = FakeGateway()
    runtime = AgentRuntime(
        registry,
        gateway,
        decisions=GatewayDecisionLog(),
        catalog=GatewayToolCatalog(),
        engine=engine_for(fake_llm),
    )
    owner = add_owner(container, workspace.tenant_id, "陈晓峰", mobile="13912345678").contact_id
    yield AgentRouter(registry, runtime), gateway, owner
    runtime.close()


def _chat_from(container: Container, tenant_id: str, owner: str, router: AgentRouter) -> None:
    seq = last_seq(container)
    record_interaction(
        container,
        tenant_id,
        channel="chat",
        contact_id=owner,
        text="我是陈晓峰，电话 13912345678，请回电",
    )
    drive(container, router, seq)


def test_the_models_valid_choice_is_executed_with_its_own_rationale(
    world: tuple[AgentRouter, FakeGateway, str],
    container: Container,
    workspace: Workspace,
    fake_llm: FakeLLM,
) -> None:
    router, gateway, owner = world
    fake_llm.reply_with_tool_call(
        "tasks.create", {"subject": "给 <NAME_1> 回电 <MOBILE_1>", "contact_id": owner}
    )
    _chat_from(container, workspace.tenant_id, owner, router)
    (call,) = gateway.calls
    assert call.args == {"subject": "给 陈晓峰 回电 13912345678", "contact_id": owner}
    assert call.rationale is not None and call.rationale.engine == "llm:test-model"
    assert call.purpose == "service"
    sent = fake_llm.sent()
    assert "陈晓峰" not in sent and "13912345678" not in sent
    assert "tasks__create" in sent and "rules: call back" in sent


def test_invalid_model_output_is_rejected_recorded_masked_and_the_rules_decide(
    world: tuple[AgentRouter, FakeGateway, str],
    container: Container,
    workspace: Workspace,
    fake_llm: FakeLLM,
) -> None:
    router, gateway, owner = world
    fake_llm.reply_with_tool_call("tasks.create", {"subject": 42, "due_at": "next <NAME_1>"})
    _chat_from(container, workspace.tenant_id, owner, router)
    assert [(c.tool, c.args["subject"]) for c in gateway.calls] == [("tasks.create", "Call back")]
    assert gateway.calls[0].rationale is not None
    assert gateway.calls[0].rationale.engine == "rules"
    with container.uow() as uow:
        (rejected,) = uow.session.scalars(
            select(DecisionRecord).where(DecisionRecord.status == "rejected")
        ).all()
        assert rejected.actor_kind == "agent" and rejected.tool is None
        assert "<NAME_1>" in rejected.args["raw_output"]
        assert "陈晓峰" not in rejected.args["raw_output"]
        assert "tasks.create: subject" in (rejected.reason or "")
        rejected_id = rejected.id
    noted = [a for a in actions(container, workspace.tenant_id) if a.phase == "noted"]
    assert [(a.status, a.decision_id) for a in noted] == [("engine_rejected", rejected_id)]


def test_an_unreachable_model_leaves_the_decision_to_the_rules(
    world: tuple[AgentRouter, FakeGateway, str],
    container: Container,
    workspace: Workspace,
    fake_llm: FakeLLM,
) -> None:
    router, gateway, owner = world
    fake_llm.replies.append({"status": 500})
    _chat_from(container, workspace.tenant_id, owner, router)
    assert [c.args["subject"] for c in gateway.calls] == ["Call back"]
    noted = [a for a in actions(container, workspace.tenant_id) if a.phase == "noted"]
    assert [a.status for a in noted] == ["engine_fallback"]
