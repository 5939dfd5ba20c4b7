"""The built-in agents: Sales, Knowledge, Service, Retention & Marketing, Product Insight.

The order is the order they see an event in: the Knowledge agent answers a customer's
question before the Service agent, which then leaves that message alone."""

from __future__ import annotations

from kith.agents.builtin.insight import ProductInsightAgent
from kith.agents.builtin.knowledge import KnowledgeAgent
from kith.agents.builtin.retention import RetentionAgent
from kith.agents.builtin.sales import SalesAgent
from kith.agents.builtin.service import ServiceAgent
from kith.agents.sdk import Agent, AgentRegistry

BUILTIN_AGENTS: tuple[type[Agent], ...] = (
    SalesAgent,
    KnowledgeAgent,
    ServiceAgent,
    RetentionAgent,
    ProductInsightAgent,
)
# Agents that contexts above this layer define (field service's dispatch agent):
# ``kith.bootstrap.wire`` adds them with ``register_builtin_agent``.
_CONTRIBUTED: list[type[Agent]] = []


def register_builtin_agent(agent_class: type[Agent]) -> None:
    if agent_class not in _CONTRIBUTED:
        _CONTRIBUTED.append(agent_class)


def builtin_registry() -> AgentRegistry:
    registry = AgentRegistry()
    for agent_class in (*BUILTIN_AGENTS, *_CONTRIBUTED):
        registry.register(agent_class)
    return registry
