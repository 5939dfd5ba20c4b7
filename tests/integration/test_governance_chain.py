"""The requester's bound travels along the whole causal chain, not one hop.

A requester's question is answered; one agent opens a ticket about it (within the
requester's rights); a second agent reacts to that ticket and wants to message the
customer. The second agent never saw the request, yet it is bounded by the same
requester: the ticket came from a bounded action, and its decision record carries
the origin on.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from kith.access.principal import Principal
from kith.access.service import create_api_key, principal_for_user
from kith.agents.collaboration import (
    ANALYSIS_COMPLETED,
    AnalysisAnswer,
    AnalysisRequest,
    AnswerContext,
    hub_of,
)
from kith.agents.roster import ensure_agents, principal_for_agent
from kith.agents.router import AgentRouter
from kith.agents.runtime import AgentRuntime
from kith.agents.sdk import (
    Agent,
    AgentRegistry,
    AgentSpec,
    Assessment,
    DataScope,
    ProposedAction,
    StepContext,
    on,
)
from kith.agents.wiring import GatewayDecisionLog
from kith.container import Container
from kith.core.errors import PermissionDenied
from kith.crm.models import Ticket
from kith.gateway.approvals import ApprovalService
from kith.gateway.gateway import gateway_of
from kith.gateway.models import DecisionRecord, OutboundMessage
from tests.conftest import Workspace
from tests.integration.test_agents_support import add_owner, drive, last_seq


class Oracle(Agent):
    spec = AgentSpec(
        name="oracle",
        scope=DataScope({"contact": ("read",)}),
        subscriptions=(),
        tools=frozenset(),
        answers=frozenset({"probe"}),
    )

    def answer(self, request: AnalysisRequest, ctx: AnswerContext) -> AnalysisAnswer:
        return AnalysisAnswer(summary="worth a look", conclusion="follow_up")


class Scout(Agent):
    """Opens a ticket about the customer an answer concerns."""

    spec = AgentSpec(
        name="scout",
        scope=DataScope({"contact": ("read",), "ticket": ("read", "create")}),
        subscriptions=(on(ANALYSIS_COMPLETED),),
        tools=frozenset({"tickets.create"}),
    )

    def decide(self, assessment: Assessment, ctx: StepContext) -> list[ProposedAction]:
        contact_id = ctx.envelope.payload["contact_id"]
        args = {"subject": "follow up", "contact_id": contact_id}
        return [ctx.propose("tickets.create", args, purpose="service", summary="open ticket")]


class Herald(Agent):
    """Messages the customer of every ticket an agent opens."""

    spec = AgentSpec(
        name="herald",
        scope=DataScope(
            {
                "contact": ("read",),
                "ticket": ("read",),
                "interaction": ("read", "create"),
                "message": ("create",),
            }
        ),
        subscriptions=(on("ticket.created", lambda e: e.actor_kind == "agent"),),
        tools=frozenset({"messages.send"}),
    )

    def decide(self, assessment: Assessment, ctx: StepContext) -> list[ProposedAction]:
        contact_id = ctx.record.get("contact_id")
        args = {"contact_id": contact_id, "channel": "app_push", "body": "we are on it"}
        return [
            ctx.propose(
                "messages.send", args, purpose="service", summary="tell", contact_id=contact_id
            )
        ]


@pytest.fixture
def runtime(container: Container) -> Iterator[AgentRuntime]:
    registry = AgentRegistry()
    for cls in (Oracle, Scout, Herald):
        registry.register(cls)
    runtime = AgentRuntime(
        registry, gateway_of(container), decisions=GatewayDecisionLog(), hub=hub_of(container)
    )
    yield runtime
    runtime.close()


def _key(container: Container, workspace: Workspace, scopes: list[str]) -> Principal:
    with container.uow() as uow:
        owner = uow.session.merge(workspace.users["admin"])
        key, _ = create_api_key(uow.session, owner, "ticketing", scopes)
        uow.commit()
        return principal_for_user(
            uow.session,
            owner,
            kind="api_key",
            principal_id=key.id,
            name="API key ticketing",
            api_scopes=frozenset(scopes),
        )


def _ask_and_settle(
    container: Container, runtime: AgentRuntime, requester: Principal, contact_id: str
) -> None:
    after = last_seq(container)
    args: dict[str, Any] = {"agent": "oracle", "kind": "probe", "contact_id": contact_id}
    with container.uow() as uow:
        result = gateway_of(container).execute(
            uow, requester, "agents.request_analysis", args, purpose="service"
        )
        uow.commit()
    assert result.output is not None and result.output["status"] == "answered"
    drive(container, AgentRouter(runtime.registry, runtime), after)


def test_an_agent_reacting_to_a_bounded_agents_record_is_bounded_by_the_same_requester(
    container: Container, workspace: Workspace, runtime: AgentRuntime
) -> None:
    customer = add_owner(container, workspace.tenant_id).contact_id
    key = _key(container, workspace, ["contacts:read", "tickets:write"])
    _ask_and_settle(container, runtime, key, customer)

    with container.uow() as uow:
        (ticket,) = uow.session.scalars(select(Ticket)).all()  # the key may open tickets
        assert ticket.contact_id == customer and ticket.created_by_kind == "agent"
        (send,) = uow.session.scalars(
            select(DecisionRecord).where(DecisionRecord.tool == "messages.send")
        ).all()
        assert send.actor_name == "agent:herald"
        assert (send.status, send.on_behalf_of_id) == ("refused", key.id)
        assert send.reason is not None and "bounded by the rights of API key ticketing" in (
            send.reason
        )
        assert uow.session.scalars(select(OutboundMessage)).all() == []


def test_without_a_requester_the_same_chain_runs_on_the_agents_own_rights(
    container: Container, workspace: Workspace, runtime: AgentRuntime
) -> None:
    """An agent's own request (nobody behind it) is not bounded: the control case."""
    customer = add_owner(container, workspace.tenant_id).contact_id
    with container.uow() as uow:
        agents = ensure_agents(uow.session, workspace.tenant_id, runtime.registry)
        herald = principal_for_agent(uow.session, next(a for a in agents if a.name == "herald"))
        uow.commit()
    _ask_and_settle(container, runtime, herald, customer)
    with container.uow() as uow:
        (send,) = uow.session.scalars(
            select(DecisionRecord).where(DecisionRecord.tool == "messages.send")
        ).all()
        assert send.on_behalf_of_id is None
        assert send.reason is None or "bounded" not in send.reason


def test_an_approved_bounded_action_runs_with_the_requesters_rights_of_the_moment(
    container: Container, workspace: Workspace, runtime: AgentRuntime
) -> None:
    """A first message to a new customer waits for approval; approving re-resolves the
    requester (here an API key) and runs the call with the agent's ∩ the key's rights.
    The key's owner may not approve what their own key set off."""
    customer = add_owner(container, workspace.tenant_id).contact_id
    scopes = ["contacts:read", "tickets:write", "messages:write", "interactions:write"]
    with container.uow() as uow:
        manager = uow.session.merge(workspace.users["manager"])
        row, _ = create_api_key(uow.session, manager, "ticketing", scopes)
        key = principal_for_user(
            uow.session,
            manager,
            kind="api_key",
            principal_id=row.id,
            name="API key ticketing",
            api_scopes=frozenset(scopes),
        )
        uow.commit()
    _ask_and_settle(container, runtime, key, customer)
    with container.uow() as uow:
        (send,) = uow.session.scalars(
            select(DecisionRecord).where(DecisionRecord.tool == "messages.send")
        ).all()
        assert (send.status, send.on_behalf_of_id) == ("pending_approval", key.id)
        approval_id = send.approval_id
    assert approval_id is not None

    def decide_as(role: str) -> str:
        with container.uow() as uow:
            user = uow.session.merge(workspace.users[role])
            service = ApprovalService(
                gateway_of(container), uow, principal_for_user(uow.session, user)
            )
            try:
                result = service.approve(approval_id)
            except PermissionDenied as exc:
                return f"denied: {exc}"
            uow.commit()
            return result.status

    assert decide_as("manager").startswith("denied: a request cannot be approved by the person")
    assert decide_as("admin") == "executed"
    with container.uow() as uow:
        (message,) = uow.session.scalars(select(OutboundMessage)).all()
        assert message.contact_id == customer and message.status == "sent"
        executed = uow.session.scalars(
            select(DecisionRecord).where(
                DecisionRecord.tool == "messages.send", DecisionRecord.status == "executed"
            )
        ).one()
        assert executed.on_behalf_of_id == key.id
