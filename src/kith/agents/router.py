"""The router: the ``agents`` consumer. Event type -> subscribed agents by dict lookup.

Subscriptions are indexed once, at start-up, by event type; routing an event is
one dictionary lookup plus the (cheap, I/O-free) filters of the agents
subscribed to that type, however many agents are registered.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from typing import Protocol

from kith.agents.sdk import Agent, AgentRegistry, Subscription
from kith.db.uow import UnitOfWork
from kith.events.envelope import Envelope

log = logging.getLogger(__name__)


class StepRunner(Protocol):
    def run(self, envelope: Envelope, uow: UnitOfWork, agents: Sequence[Agent]) -> None: ...

    def close(self) -> None: ...


class AgentRouter:
    name = "agents"

    def __init__(self, registry: AgentRegistry, runner: StepRunner) -> None:
        index: dict[str, list[tuple[Agent, Subscription]]] = defaultdict(list)
        for agent in registry:
            for subscription in agent.spec.subscriptions:
                index[subscription.event_type].append((agent, subscription))
        self._index = {event_type: tuple(subs) for event_type, subs in index.items()}
        self.event_types: frozenset[str] | None = frozenset(self._index)
        self.runner = runner

    def route(self, envelope: Envelope) -> list[Agent]:
        """The agents whose subscription accepts the event, each once, in registration order."""
        chosen: dict[str, Agent] = {}
        for agent, subscription in self._index.get(envelope.type, ()):
            if agent.spec.name not in chosen and _accepts(subscription, envelope):
                chosen[agent.spec.name] = agent
        return list(chosen.values())

    def handle(self, envelope: Envelope, uow: UnitOfWork) -> None:
        agents = self.route(envelope)
        if agents:
            self.runner.run(envelope, uow, agents)

    def close(self) -> None:
        """Release the runtime (its language-model client); the events runtime's stop
        should call it."""
        self.runner.close()


def _accepts(subscription: Subscription, envelope: Envelope) -> bool:
    """A filter that raises skips its agent (logged) instead of failing every agent."""
    try:
        return subscription.accepts(envelope)
    except Exception:
        log.exception("subscription filter failed for %s on %s", subscription, envelope.type)
        return False
