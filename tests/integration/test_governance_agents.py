"""What a request to an agent triggers is bounded by the requester's rights.

An analyst (or an API key) asks Product Insight about a customer's cold-weather
range; its answer makes Retention want to send that customer a marketing push.
The push is sent only if the requester could have sent it: the downstream
action runs with Retention's scope ∩ the requester's rights, and its decision
record names the requester and why it was refused. Asking the same thing again
returns the first outcome instead of acting again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from kith.access.models import ApiKey
from kith.access.principal import Principal
from kith.access.service import create_api_key, principal_for_user
from kith.agents.models import AgentAction, AgentRequest
from kith.agents.router import AgentRouter
from kith.agents.runtime import AgentRuntime
from kith.agents.wiring import build_runtime
from kith.container import Container
from kith.core.clock import utcnow
from kith.gateway.gateway import GatewayResult, gateway_of
from kith.gateway.models import DecisionRecord, OutboundMessage
from tests.conftest import Workspace
from tests.integration.test_agents_support import (
    add_owner,
    drive,
    e7_fleet_in_the_cold,
    last_seq,
)

FLEET_QUESTION: dict[str, Any] = {
    "agent": "product_insight",
    "kind": "fleet_telemetry",
    "params": {"model": "E7", "region": "哈尔滨"},
}


@dataclass
class World:
    container: Container
    workspace: Workspace
    runtime: AgentRuntime
    router: AgentRouter
    owner: str
    seq: int = 0

    def principal(self, role: str) -> Principal:
        with self.container.uow() as uow:
            return principal_for_user(uow.session, self.workspace.users[role])

    def api_key(self, role: str, scopes: list[str]) -> Principal:
        with self.container.uow() as uow:
            user = self.workspace.users[role]
            key, _ = create_api_key(uow.session, uow.session.merge(user), "sync", scopes)
            uow.commit()
            return principal_for_user(
                uow.session,
                uow.session.merge(user),
                kind="api_key",
                principal_id=key.id,
                name=f"API key {key.name}",
                api_scopes=frozenset(scopes),
            )

    def ask(self, principal: Principal, **extra: Any) -> GatewayResult:
        """The requester calls the gateway tool, then the agents react to the answer."""
        args = {**FLEET_QUESTION, "contact_id": self.owner, **extra}
        with self.container.uow() as uow:
            result = gateway_of(self.container).execute(
                uow, principal, "agents.request_analysis", args, purpose="analytics"
            )
            uow.commit()
        self.seq = drive(self.container, self.router, self.seq)
        return result

    def rows(self, stmt: Any) -> list[Any]:
        with self.container.uow() as uow:
            found = list(uow.session.scalars(stmt))
            uow.session.expunge_all()
            return found

    def messages(self) -> list[OutboundMessage]:
        return self.rows(select(OutboundMessage).where(OutboundMessage.contact_id == self.owner))

    def sends(self) -> list[DecisionRecord]:
        stmt = select(DecisionRecord).where(DecisionRecord.tool == "messages.send")
        return self.rows(stmt.order_by(DecisionRecord.at, DecisionRecord.id))


def cold_fleet(container: Container, tenant_id: str) -> str:
    """A Harbin E7 owner (marketing opt-in, known to us) and a month of freezing readings."""
    owner = add_owner(container, tenant_id, "陈晓峰").contact_id
    e7_fleet_in_the_cold(container, tenant_id, owner, every_days=6)
    return owner


@pytest.fixture
def world(container: Container, workspace: Workspace) -> Iterator[World]:
    owner = cold_fleet(container, workspace.tenant_id)
    runtime = build_runtime(container)
    router = AgentRouter(runtime.registry, runtime)
    yield World(container, workspace, runtime, router, owner, last_seq(container))
    runtime.close()


def _refused_for(decision: DecisionRecord, requester_id: str, requester_name: str) -> None:
    assert decision.status == "refused"
    assert decision.actor_name == "agent:retention"
    assert (decision.on_behalf_of_id, decision.on_behalf_of_name) == (
        requester_id,
        requester_name,
    )
    assert decision.reason is not None
    assert "may not change message records" in decision.reason
    assert f"bounded by the rights of {requester_name}" in decision.reason
    assert decision.rationale is not None
    requested_by = decision.rationale["inputs"]["requested_by"]
    assert (requested_by["id"], requested_by["name"]) == (requester_id, requester_name)


def test_an_analysts_question_cannot_make_an_agent_send_marketing(world: World) -> None:
    analyst = world.principal("analyst")
    result = world.ask(analyst)
    assert result.status == "executed"
    assert result.output is not None and result.output["status"] == "answered"
    assert result.output["answer"]["conclusion"] == "cold_weather_range_loss"

    assert world.messages() == []
    (send,) = world.sends()
    _refused_for(send, analyst.id, analyst.name)
    assert send.contact_id == world.owner
    (acted,) = world.rows(select(AgentAction).where(AgentAction.tool == "messages.send"))
    assert (acted.agent_name, acted.status, acted.decision_id) == ("retention", "refused", send.id)


def test_repeating_the_question_does_not_repeat_the_refused_send(world: World) -> None:
    analyst = world.principal("analyst")
    for _ in range(3):
        world.ask(analyst)
    assert world.messages() == []
    assert {d.status for d in world.sends()} == {"refused"}


def test_an_api_key_reading_contacts_only_gets_no_answer_and_no_send(world: World) -> None:
    # The admin's own key: the key's scopes, not its owner's role, are what bound it.
    key = world.api_key("admin", ["contacts:read"])
    result = world.ask(key)
    assert result.output is not None
    assert result.output["status"] == "failed"
    assert "may not read interaction" in result.output["reason"]
    assert f"bounded by the rights of {key.name}" in result.output["reason"]
    assert world.messages() == [] and world.sends() == []


def test_an_api_key_that_may_read_telemetry_still_cannot_make_an_agent_send(
    world: World,
) -> None:
    key = world.api_key("admin", ["contacts:read", "interactions:read"])
    result = world.ask(key)
    assert result.output is not None and result.output["status"] == "answered"
    assert world.messages() == []
    (send,) = world.sends()
    _refused_for(send, key.id, key.name)


def test_a_revoked_key_stops_the_agents_acting_on_its_request(world: World) -> None:
    key = world.api_key("admin", ["*"])
    with world.container.uow() as uow:
        args = {**FLEET_QUESTION, "contact_id": world.owner}
        gateway_of(world.container).execute(
            uow, key, "agents.request_analysis", args, purpose="analytics"
        )
        revoked = uow.session.get(ApiKey, key.id)
        assert revoked is not None
        revoked.revoked_at = utcnow()
        uow.commit()
    world.seq = drive(world.container, world.router, world.seq)
    assert world.messages() == [] and world.sends() == []
    skipped = world.rows(select(AgentAction).where(AgentAction.status == "skipped"))
    assert any(a.agent_name == "retention" and key.name in (a.reason or "") for a in skipped)


def test_a_marketers_question_sends_once_and_repeats_return_the_first_outcome(
    world: World,
) -> None:
    marketer = world.principal("marketing")
    for _ in range(3):
        world.ask(marketer)
    (message,) = world.messages()
    assert (message.channel, message.purpose, message.status) == ("app_push", "marketing", "sent")
    first, *repeats = world.sends()
    assert (first.status, first.on_behalf_of_id) == ("executed", marketer.id)
    assert [d.status for d in repeats] == ["duplicate", "duplicate"]
    assert {d.duplicate_of for d in repeats} == {first.id}
    assert all(f"decision {first.id} (executed)" in (d.reason or "") for d in repeats)
    assert len(world.rows(select(AgentRequest))) == 3  # each question was answered


def test_a_different_question_from_the_same_marketer_is_a_new_chain(world: World) -> None:
    marketer = world.principal("marketing")
    world.ask(marketer)
    world.ask(marketer, params={"model": "E7", "region": "哈尔滨", "days": 14})
    assert [d.status for d in world.sends()] == ["executed", "executed"]
    assert len(world.messages()) == 2
