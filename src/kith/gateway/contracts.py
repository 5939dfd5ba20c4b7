"""Contract of the governed door, shared by the gateway, its callers and the agents.

Every invocation — API, CLI, UI, agent — is
``Gateway.execute(uow, principal, tool, args, purpose=..., on_behalf_of=...,
idempotency_key=..., trigger_event_id=..., rationale=...)``; the caller's unit
of work commits the tool's effects, the decision record and the audit entry
together.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from kith.access.principal import Principal
from kith.db.uow import UnitOfWork

ExecutionStatus = Literal["executed", "pending_approval", "refused", "duplicate", "failed"]
RiskLevel = Literal["low", "medium", "high"]
# Where a call was composed. "language": a plan made from text (``kith.language``);
# "mcp": an outside agent through the MCP door (``kith.platform.mcp``). For both the risk
# policy holds every destructive tool for a person's approval, whatever its declared
# risk. "direct": everything else (API, UI, CLI, Kith's own agents).
Origin = Literal["direct", "language", "mcp"]


@dataclass(frozen=True)
class Factor:
    """One reason behind a decision and how much it weighed."""

    name: str
    value: Any
    contribution: float
    description: str | None = None


@dataclass(frozen=True)
class Rationale:
    """Why an agent (or a person's plan) proposes this call; stored in the decision record."""

    engine: str  # "rules", "model:<name>", "llm:<model>", "human"
    engine_version: str
    summary: str
    factors: tuple[Factor, ...] = ()
    confidence: float | None = None
    threshold: float | None = None
    prompt_version: str | None = None
    inputs: Mapping[str, Any] = field(default_factory=dict)  # PII-masked snapshot


@dataclass(frozen=True)
class ExecutionResult:
    status: ExecutionStatus
    decision_id: str
    output: Mapping[str, Any] | None = None
    approval_id: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class ConsentDecision:
    allowed: bool
    reason: str
    basis: str | None = None  # e.g. "consent:marketing/email granted 2026-05-01", "legal:service"


class ConsentHook(Protocol):
    """The consent ledger (``kith.privacy.ledger.ConsentLedger``, installed by
    ``kith.bootstrap``). ``Gateway.execute`` asks ``check`` for every call, before the risk
    policy, inside the caller's unit of work (a refusal may be audited there);
    ``Gateway.preview`` asks ``decide``, which gives the same answer and writes nothing."""

    def check(
        self,
        uow: UnitOfWork,
        principal: Principal,
        tool_name: str,
        purpose: str,
        channel: str | None,
        subject: Mapping[str, Any],
    ) -> ConsentDecision: ...

    def decide(
        self,
        uow: UnitOfWork,
        principal: Principal,
        tool_name: str,
        purpose: str,
        channel: str | None,
        subject: Mapping[str, Any],
    ) -> ConsentDecision: ...


class GatewayPort(Protocol):
    def execute(
        self,
        uow: UnitOfWork,
        principal: Principal,
        tool: str,
        args: Mapping[str, Any],
        *,
        purpose: str,
        on_behalf_of: Principal | None = None,
        idempotency_key: str | None = None,
        trigger_event_id: str | None = None,
        rationale: Rationale | None = None,
    ) -> ExecutionResult: ...
