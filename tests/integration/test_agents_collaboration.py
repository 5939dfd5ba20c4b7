"""Typed agent-to-agent requests: ask, wait with a timeout, record, publish the answer."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from kith.agents.collaboration import (
    ANALYSIS_COMPLETED,
    AnalysisAnswer,
    AnalysisRequest,
    AnswerContext,
    hub_of,
)
from kith.agents.models import AgentRequest
from kith.agents.roster import ensure_agents, principal_for_agent
from kith.agents.runtime import AgentRuntime
from kith.agents.sdk import Agent, AgentRegistry, AgentSpec, DataScope
from kith.agents.wiring import GatewayDecisionLog
from kith.container import Container
from kith.events.models import OutboxEvent
from kith.gateway.gateway import gateway_of
from kith.gateway.models import DecisionRecord
from tests.conftest import Workspace

released = threading.Event()


class Oracle(Agent):
    spec = AgentSpec(
        name="oracle",
        scope=DataScope({"interaction": ("read",)}),
        subscriptions=(),
        tools=frozenset(),
        answers=frozenset({"forecast", "slow"}),
    )

    def answer(self, request: AnalysisRequest, ctx: AnswerContext) -> AnalysisAnswer:
        if request.kind == "slow":
            released.wait(10)
        return AnalysisAnswer(
            summary=f"{request.params['city']}: snow", conclusion="cold", confidence=0.8
        )


class Asker(Agent):
    spec = AgentSpec(
        name="asker",
        scope=DataScope({"interaction": ("read",)}),
        subscriptions=(),
        tools=frozenset({"agents.request_analysis"}),
    )


@pytest.fixture
def runtime(container: Container) -> Iterator[AgentRuntime]:
    registry = AgentRegistry()
    registry.register(Oracle)
    registry.register(Asker)
    runtime = AgentRuntime(
        registry, gateway_of(container), decisions=GatewayDecisionLog(), hub=hub_of(container)
    )
    yield runtime
    runtime.close()


def _ask(container: Container, runtime: AgentRuntime, tenant_id: str, **request: object) -> dict:
    with container.uow() as uow:
        rows = {r.name: r for r in ensure_agents(uow.session, tenant_id, runtime.registry)}
        asker = principal_for_agent(uow.session, rows["asker"])
        result = runtime.gateway.execute(
            uow, asker, "agents.request_analysis", request, purpose="service"
        )
        uow.commit()
    assert result.status == "executed", result.reason
    return dict(result.output or {})


def test_an_agent_asks_another_through_the_gateway_and_gets_a_typed_answer(
    container: Container, workspace: Workspace, runtime: AgentRuntime
) -> None:
    output = _ask(
        container,
        runtime,
        workspace.tenant_id,
        agent="oracle",
        kind="forecast",
        params={"city": "哈尔滨"},
        trace_id="t" * 32,
    )
    assert output["status"] == "answered"
    assert output["answer"] == {
        "summary": "哈尔滨: snow",
        "conclusion": "cold",
        "findings": {},
        "confidence": 0.8,
    }
    with container.uow() as uow:
        row = uow.session.scalars(select(AgentRequest)).one()
        event = uow.session.scalars(
            select(OutboxEvent).where(OutboxEvent.type == ANALYSIS_COMPLETED)
        ).one()
        decision = uow.session.scalars(
            select(DecisionRecord).where(DecisionRecord.tool == "agents.request_analysis")
        ).one()
        assert (row.to_agent, row.status, row.trace_id) == ("oracle", "answered", "t" * 32)
        assert event.subject_id == row.id and event.payload["answer"]["conclusion"] == "cold"
        assert event.payload["trace_id"] == "t" * 32
        assert decision.status == "executed"


def test_a_slow_answer_times_out_and_the_asker_carries_on(
    container: Container, workspace: Workspace, runtime: AgentRuntime
) -> None:
    released.clear()
    started = time.monotonic()
    output = _ask(
        container,
        runtime,
        workspace.tenant_id,
        agent="oracle",
        kind="slow",
        params={"city": "x"},
        timeout_ms=200,
    )
    assert time.monotonic() - started < 5
    assert (output["status"], output["answer"], output["reason"]) == (
        "timed_out",
        None,
        "timed out",
    )
    released.set()
    _wait_for_no_answer_threads()
    with container.uow() as uow:
        assert uow.session.scalars(select(OutboxEvent.type)).all().count(ANALYSIS_COMPLETED) == 0


@pytest.mark.parametrize(
    ("agent", "kind", "reason"),
    [
        ("nobody", "forecast", "no agent named nobody"),
        ("asker", "forecast", "agent asker does not answer forecast requests"),
    ],
)
def test_requests_nobody_can_answer_fail_with_a_reason(
    container: Container,
    workspace: Workspace,
    runtime: AgentRuntime,
    agent: str,
    kind: str,
    reason: str,
) -> None:
    output = _ask(container, runtime, workspace.tenant_id, agent=agent, kind=kind, params={})
    assert (output["status"], output["reason"]) == ("failed", reason)


def test_the_containers_hub_answers_only_while_a_runtime_serves_it(
    container: Container, workspace: Workspace
) -> None:
    registry = AgentRegistry()
    registry.register(Oracle)
    registry.register(Asker)
    hub = hub_of(container)
    assert not hub.running
    runtime = AgentRuntime(registry, gateway_of(container), decisions=GatewayDecisionLog(), hub=hub)
    assert hub.running
    output = _ask(
        container, runtime, workspace.tenant_id, agent="oracle", kind="forecast",
        params={"city": "长春"},
    )  # fmt: skip
    assert output["status"] == "answered"
    runtime.close()
    assert not hub.running
    with container.uow() as uow:
        asker = principal_for_agent(
            uow.session,
            {r.name: r for r in ensure_agents(uow.session, workspace.tenant_id, registry)}["asker"],
        )
        result = gateway_of(container).execute(
            uow, asker, "agents.request_analysis", {"agent": "oracle", "kind": "forecast"},
            purpose="service",
        )  # fmt: skip
        uow.commit()
    assert result.status == "failed"
    assert result.reason == "RuntimeError: no agent runtime is running in this process"


def _wait_for_no_answer_threads(timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while any(t.name.startswith("kith-agent-answer") for t in threading.enumerate()):
        assert time.monotonic() < deadline, "an answer thread outlived its answer"
        time.sleep(0.01)
