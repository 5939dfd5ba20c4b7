"""The runtime runs an agent's step for each event it subscribes to, acting only
through the gateway, within its role, budget and allowed tools."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

import pytest

from kith.access.service import system_principal
from kith.agents.roster import ensure_agents
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
from kith.agents.service import AgentAdmin
from kith.container import Container
from kith.core.clock import utcnow
from kith.core.ids import new_id
from kith.events.envelope import Envelope
from kith.gateway.contracts import ExecutionResult, Factor
from tests.conftest import Workspace
from tests.integration.test_agents_support import (
    FakeGateway,
    RecordingDecisions,
    actions,
    add_owner,
    drive,
    last_seq,
    record_interaction,
)


def _chat(envelope: Envelope) -> bool:
    return envelope.payload.get("record", {}).get("channel") == "chat"


def spec(
    name: str, *, tools: Sequence[str] = ("tasks.create", "notes.add"), budget: int = 50
) -> AgentSpec:
    return AgentSpec(
        name=name,
        scope=DataScope(
            {"contact": ("read",), "activity": ("read", "create")}, {"contact": ("mobile",)}
        ),
        subscriptions=(on("interaction.received", _chat),),
        tools=frozenset(tools),
        budget_per_hour=budget,
    )


class FollowUpAgent(Agent):
    """Opens a task for every chat message, then notes the task's id."""

    spec = spec("follow_up")

    def perceive(self, ctx: StepContext) -> Perception | None:
        contact = ctx.records.get("contact", ctx.record["contact_id"])
        return Perception(
            f"chat from {contact['name']}",
            contact_id=contact["id"],
            facts={"mobile_visible": "mobile" in contact},
        )

    def understand(self, perception: Perception, ctx: StepContext) -> Assessment:
        return Assessment(
            perception,
            "follow_up",
            factors=(Factor("chat", True, 1.0),),
            confidence=0.9,
            threshold=0.5,
        )

    def decide(self, assessment: Assessment, ctx: StepContext) -> list[ProposedAction]:
        def note(result: ExecutionResult) -> list[ProposedAction]:
            body = f"task {result.output['id'] if result.output else ''} opened"
            return [ctx.propose("notes.add", {"body": body}, purpose="service", summary="note")]

        task = {"subject": "Reply to the chat", "contact_id": assessment.perception.contact_id}
        return [
            ctx.propose(
                "tasks.create",
                task,
                purpose="service",
                summary="task",
                assessment=assessment,
                then=note,
            )
        ]


class Harness:
    def __init__(self, container: Container, tenant_id: str, *agents: type[Agent]) -> None:
        self.container = container
        self.tenant_id = tenant_id
        self.registry = AgentRegistry()
        for agent in agents:
            self.registry.register(agent)
        self.gateway = FakeGateway()
        self.decisions = RecordingDecisions()
        self.runtime = AgentRuntime(self.registry, self.gateway, decisions=self.decisions)
        self.router = AgentRouter(self.registry, self.runtime)
        self.seq = last_seq(container)

    def chat(self, contact_id: str, text: str = "你好，请回电") -> None:
        record_interaction(
            self.container, self.tenant_id, channel="chat", contact_id=contact_id, text=text
        )
        self.seq = drive(self.container, self.router, self.seq)


@pytest.fixture
def owner(container: Container, workspace: Workspace) -> str:
    return add_owner(container, workspace.tenant_id).contact_id


@pytest.fixture
def harness(container: Container, workspace: Workspace) -> Iterator[Harness]:
    h = Harness(container, workspace.tenant_id, FollowUpAgent)
    yield h
    h.runtime.close()


def test_an_agent_acts_only_through_the_gateway_as_itself_with_a_rationale(
    harness: Harness, owner: str
) -> None:
    harness.chat(owner)
    task, note = harness.gateway.calls
    assert (task.tool, note.tool) == ("tasks.create", "notes.add")
    assert task.principal.kind == "agent" and task.principal.roles == {"agent_follow_up"}
    assert task.args == {"subject": "Reply to the chat", "contact_id": owner}
    assert task.rationale is not None and task.rationale.engine == "rules"
    assert task.rationale.factors == (Factor("chat", True, 1.0),)
    assert (task.rationale.confidence, task.rationale.threshold) == (0.9, 0.5)
    assert task.trigger_event_id is not None and task.idempotency_key is not None
    assert note.args["body"].startswith("task ") and note.idempotency_key != task.idempotency_key
    phases = [(a.phase, a.tool, a.status) for a in actions(harness.container, harness.tenant_id)]
    assert phases == [
        ("perceived", None, None),
        ("acted", "tasks.create", "executed"),
        ("acted", "notes.add", "executed"),
    ]


def test_the_agent_reads_with_its_own_role(
    harness: Harness, owner: str, container: Container
) -> None:
    harness.chat(owner)
    principal = harness.gateway.calls[0].principal
    assert principal.grants == {
        ("contact", "read"): "all",
        ("activity", "read"): "all",
        ("activity", "create"): "all",
    }
    assert principal.field_rules == {"contact": {"mobile": "hidden"}}
    with container.uow() as uow:
        agent_ids = [r.id for r in ensure_agents(uow.session, harness.tenant_id, harness.registry)]
    assert agent_ids == [principal.id]


def test_each_event_is_handled_once_even_when_delivered_again(harness: Harness, owner: str) -> None:
    harness.chat(owner)
    drive(harness.container, harness.router, 0)  # the whole outbox, again
    assert harness.gateway.tools() == ["tasks.create", "notes.add"]


def test_a_paused_agent_does_nothing_until_resumed(
    harness: Harness, owner: str, container: Container, workspace: Workspace
) -> None:
    def set_status(status: str) -> None:
        with container.uow() as uow:
            admin = AgentAdmin(uow, system_principal(workspace.tenant_id), harness.registry)
            admin.set_status("follow_up", status)
            uow.commit()

    set_status("paused")
    harness.chat(owner)
    assert harness.gateway.calls == []
    set_status("active")
    harness.chat(owner)
    assert harness.gateway.tools() == ["tasks.create", "notes.add"]


def test_the_hourly_budget_stops_further_actions(
    container: Container, workspace: Workspace, owner: str
) -> None:
    class Thrifty(FollowUpAgent):
        spec = replace(spec("thrifty"), budget_per_hour=3)

    harness = Harness(container, workspace.tenant_id, Thrifty)
    harness.chat(owner)
    harness.chat(owner)
    statuses = [a.status for a in actions(container, workspace.tenant_id) if a.phase == "acted"]
    assert statuses == ["executed", "executed", "executed", "over_budget"]
    assert len(harness.gateway.calls) == 3
    refusal = harness.decisions.records[0]
    assert (refusal["tool"], refusal["status"]) == ("notes.add", "no_action")
    assert "budget" in refusal["reason"]


def test_tools_outside_the_agents_list_never_reach_the_gateway(
    container: Container, workspace: Workspace, owner: str
) -> None:
    class NoNotes(FollowUpAgent):
        spec = spec("no_notes", tools=("tasks.create",))

    harness = Harness(container, workspace.tenant_id, NoNotes)
    harness.chat(owner)
    assert harness.gateway.tools() == ["tasks.create"]
    refused = [a for a in actions(container, workspace.tenant_id) if a.status == "not_allowed"]
    assert [a.tool for a in refused] == ["notes.add"]


def test_a_failing_agent_is_recorded_and_does_not_stop_the_others(
    container: Container, workspace: Workspace, owner: str
) -> None:
    class Broken(FollowUpAgent):
        spec = spec("broken")

        def decide(self, assessment: Assessment, ctx: StepContext) -> list[ProposedAction]:
            raise KeyError("missing fact")

    harness = Harness(container, workspace.tenant_id, Broken, FollowUpAgent)
    harness.chat(owner)
    assert harness.gateway.tools() == ["tasks.create", "notes.add"]
    errors = [a for a in actions(container, workspace.tenant_id) if a.status == "error"]
    assert [(a.agent, a.reason) for a in errors] == [("broken", "KeyError: 'missing fact'")]


def test_agents_do_not_react_to_what_they_did_themselves(harness: Harness, owner: str) -> None:
    harness.chat(owner)
    agent_id = harness.gateway.calls[0].principal.id
    own = Envelope(
        seq=0,
        event_id=new_id(),
        tenant_id=harness.tenant_id,
        type="interaction.received",
        subject_type="interaction",
        subject_id=new_id(),
        actor_kind="agent",
        actor_id=agent_id,
        occurred_at=utcnow(),
        payload={"record": {"channel": "chat", "contact_id": owner}},
    )
    with harness.container.uow() as uow:
        harness.router.handle(own, uow)
        uow.commit()
    assert len(harness.gateway.calls) == 2
