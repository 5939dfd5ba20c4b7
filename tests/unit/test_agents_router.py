"""Routing is a dictionary lookup by event type plus each subscriber's filter."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from kith.agents.router import AgentRouter
from kith.agents.sdk import Agent, AgentRegistry, AgentSpec, DataScope, on
from kith.db.uow import UnitOfWork
from kith.events.envelope import Envelope


def _agent(name: str, *subscriptions: object) -> type[Agent]:
    spec = AgentSpec(
        name=name,
        scope=DataScope({}),
        subscriptions=tuple(subscriptions),  # type: ignore[arg-type]
        tools=frozenset(),
    )
    return type(name.title(), (Agent,), {"spec": spec})


def _event(type_: str, **payload: object) -> Envelope:
    return Envelope(
        seq=1,
        event_id="e1",
        tenant_id="t1",
        type=type_,
        subject_type="interaction",
        subject_id="r1",
        actor_kind="user",
        actor_id="u1",
        occurred_at=datetime(2026, 11, 21, tzinfo=UTC),
        payload=dict(payload),
    )


class Recorder:
    def __init__(self) -> None:
        self.runs: list[tuple[str, list[str]]] = []

    def run(self, envelope: Envelope, uow: UnitOfWork, agents: Sequence[Agent]) -> None:
        self.runs.append((envelope.type, [a.spec.name for a in agents]))

    def close(self) -> None:
        """Nothing held."""


def _router(*agents: type[Agent]) -> tuple[AgentRouter, Recorder]:
    registry = AgentRegistry()
    for agent in agents:
        registry.register(agent)
    recorder = Recorder()
    return AgentRouter(registry, recorder), recorder


def test_events_reach_only_the_agents_subscribed_to_their_type_and_filter() -> None:
    router, _ = _router(
        _agent("service", on("interaction.received", lambda e: e.payload["channel"] == "app")),
        _agent("sales", on("lead.created"), on("interaction.received")),
        _agent("insight", on("interaction.received", lambda e: e.payload["channel"] == "iot")),
    )
    assert [a.spec.name for a in router.route(_event("interaction.received", channel="app"))] == [
        "service",
        "sales",
    ]
    assert [a.spec.name for a in router.route(_event("lead.created"))] == ["sales"]
    assert router.route(_event("deal.updated")) == []
    assert router.event_types == {"interaction.received", "lead.created"}


def test_an_agent_with_two_matching_subscriptions_runs_once() -> None:
    router, recorder = _router(_agent("sales", on("lead.created"), on("lead.created")))
    router.handle(_event("lead.created"), None)  # type: ignore[arg-type]
    assert recorder.runs == [("lead.created", ["sales"])]


def test_a_failing_filter_skips_its_agent_only() -> None:
    router, _ = _router(
        _agent("broken", on("lead.created", lambda e: e.payload["missing"] == 1)),
        _agent("sales", on("lead.created")),
    )
    assert [a.spec.name for a in router.route(_event("lead.created"))] == ["sales"]


def test_unrouted_events_cost_nothing_downstream() -> None:
    router, recorder = _router(_agent("sales", on("lead.created")))
    router.handle(_event("deal.updated"), None)  # type: ignore[arg-type]
    assert recorder.runs == []


def test_agent_names_are_unique_in_a_registry() -> None:
    registry = AgentRegistry()
    registry.register(_agent("sales"))
    with pytest.raises(ValueError, match="already registered"):
        registry.register(_agent("sales"))
