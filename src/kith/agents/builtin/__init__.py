"""The built-in agents: Sales, Service, Retention & Marketing, Product Insight."""

from __future__ import annotations

from kith.agents.builtin.insight import ProductInsightAgent
from kith.agents.builtin.retention import RetentionAgent
from kith.agents.builtin.sales import SalesAgent
from kith.agents.builtin.service import ServiceAgent
from kith.agents.sdk import AgentRegistry

BUILTIN_AGENTS = (SalesAgent, ServiceAgent, RetentionAgent, ProductInsightAgent)


def builtin_registry() -> AgentRegistry:
    registry = AgentRegistry()
    for agent_class in BUILTIN_AGENTS:
        registry.register(agent_class)
    return registry
