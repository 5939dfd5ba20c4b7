"""Connecting the agent runtime to the rest of Kith: the gateway, decision records,
the events engine's consumer registry and the approval path's principal resolver.

The composition root (``kith.bootstrap``) registers the ``agents`` consumer factory and
the resolver of agent principals defined here; a runtime acts through the container's
gateway and answers through its collaboration hub.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.orm import Session

from kith.access.principal import Principal
from kith.agents.builtin import builtin_registry
from kith.agents.collaboration import hub_of
from kith.agents.llm import LLMSettings, OpenAICompatibleEngine
from kith.agents.memory import tokenize
from kith.agents.models import AgentRow
from kith.agents.reasoning import ReasoningEngine, RulesEngine, ToolSchema
from kith.agents.roster import principal_for_agent
from kith.agents.router import AgentRouter
from kith.agents.runtime import AgentRuntime
from kith.agents.sdk import AgentRegistry
from kith.container import Container
from kith.core.clock import utcnow
from kith.db.uow import UnitOfWork
from kith.gateway.contracts import GatewayPort, Rationale
from kith.gateway.decisions import (
    finish_decision,
    new_decision,
    rationale_snapshot,
    set_subject,
    subject_from_args,
    with_customer,
)
from kith.gateway.gateway import gateway_of
from kith.gateway.registry import REGISTRY, ToolRegistry


class AgentSettings(BaseSettings):
    """``KITH_AGENTS_ENABLED``: unset means on, except in test mode, where other
    contexts' tests must not see agents acting on the records they create."""

    model_config = SettingsConfigDict(env_prefix="KITH_AGENTS_", extra="ignore")

    enabled: bool | None = None

    def enabled_for(self, mode: str) -> bool:
        return self.enabled if self.enabled is not None else mode != "test"


class GatewayDecisionLog:
    """Decisions without a gateway call, written as the gateway writes its own."""

    def __init__(self, clock: Callable[[], datetime] = utcnow) -> None:
        self.clock = clock

    def record(
        self,
        uow: UnitOfWork,
        principal: Principal,
        *,
        tool: str | None,
        args: Mapping[str, Any],
        purpose: str,
        status: str,
        reason: str,
        rationale: Rationale | None,
        trigger_event_id: str | None,
        on_behalf_of: Principal | None = None,
    ) -> str | None:
        decision = new_decision(
            principal,
            at=self.clock(),
            on_behalf_of=on_behalf_of,
            tool=tool,
            purpose=purpose,
            args=args,  # masked by new_decision
            rationale=rationale_snapshot(rationale),
            trigger_event_id=trigger_event_id,
        )
        set_subject(decision, with_customer(uow, principal.tenant_id, subject_from_args(args)))
        finish_decision(uow, decision, status, reason)
        return decision.id


class GatewayToolCatalog:
    """The gateway's tool schemas, for showing to and checking a language model."""

    def __init__(self, registry: ToolRegistry = REGISTRY) -> None:
        self.registry = registry

    def schema(self, name: str) -> ToolSchema | None:
        spec = self.registry.get(name)
        if spec is None:
            return None
        return ToolSchema(spec.name, spec.description, spec.input_schema.model_json_schema())

    def validate(self, name: str, arguments: Any) -> dict[str, Any]:
        spec = self.registry.get(name)
        if spec is None:
            raise ValueError(f"no tool named {name}")
        if not isinstance(arguments, dict):
            raise ValueError("arguments are not a JSON object")
        try:
            parsed = spec.input_schema.model_validate(arguments)
        except ValidationError as exc:
            raise ValueError(_first_errors(exc)) from None
        return parsed.model_dump(mode="json", exclude_unset=True)


def _first_errors(exc: ValidationError, limit: int = 3) -> str:
    return "; ".join(
        f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in exc.errors()[:limit]
    )


def resolve_agent(session: Session, tenant_id: str, agent_id: str) -> Principal | None:
    """An agent as it stands now (for an approved call): gone or paused agents may not act."""
    row = session.get(AgentRow, agent_id)
    if row is None or row.tenant_id != tenant_id or row.status != "active":
        return None
    return principal_for_agent(session, row)


def engine_from_environment() -> ReasoningEngine:
    settings = LLMSettings()
    return OpenAICompatibleEngine(settings) if settings.base_url else RulesEngine()


def build_runtime(
    container: Container,
    *,
    registry: AgentRegistry | None = None,
    gateway: GatewayPort | None = None,
    engine: ReasoningEngine | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> AgentRuntime:
    """A runtime of ``registry``'s agents (default: the built-in ones) acting through the
    container's gateway (or ``gateway``, a test's), answering other agents' requests
    through the container's collaboration hub while it runs."""
    return AgentRuntime(
        registry if registry is not None else builtin_registry(),
        gateway if gateway is not None else gateway_of(container),
        decisions=GatewayDecisionLog(clock),
        catalog=GatewayToolCatalog(),
        engine=engine or engine_from_environment(),
        clock=clock,
        hub=hub_of(container),
    )


def agents_consumer(container: Container) -> AgentRouter:
    """The ``agents`` consumer; with agents switched off it subscribes to nothing."""
    enabled = AgentSettings().enabled_for(container.settings.mode)
    if enabled:
        tokenize("")  # load jieba's dictionary (~1 s) at start, not on the first message
    runtime = build_runtime(container, registry=None if enabled else AgentRegistry())
    return AgentRouter(runtime.registry, runtime)
