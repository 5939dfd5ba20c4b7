"""The actions of a flagged decision, run through the gateway after the caller has
its answer: the consumer of ``risk_decision.flagged`` (registered by
``kith.bootstrap.wire``) makes one ``Gateway.execute`` call per action, as the
system acting for risk decisions, idempotent per decision and tool."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kith.access.service import system_principal
from kith.core.event_types import EventType
from kith.db.uow import UnitOfWork
from kith.events.envelope import Envelope
from kith.gateway.gateway import Gateway, gateway_of
from kith.realtime.models import RealtimeDecision
from kith.realtime.service import ACTION_PURPOSE, action_calls

if TYPE_CHECKING:
    from kith.container import Container

CONSUMER_NAME = "realtime-actions"


def run_actions(
    uow: UnitOfWork,
    gateway: Gateway,
    tenant_id: str,
    decision_id: str,
    payload: Mapping[str, Any],
    *,
    trigger_event_id: str | None = None,
) -> list[dict[str, Any]]:
    """Execute the decision's actions; each call's status (refusals included)."""
    principal = system_principal(tenant_id, "risk decisions")
    results = []
    for tool, args in action_calls(uow, tenant_id, payload, decision_id):
        result = gateway.execute(
            uow,
            principal,
            tool,
            {k: v for k, v in args.items() if v is not None},
            purpose=ACTION_PURPOSE,
            idempotency_key=f"risk:{decision_id}:{tool}",
            trigger_event_id=trigger_event_id,
        )
        results.append({"tool": tool, "status": result.status, "reason": result.reason})
    row = uow.session.get(RealtimeDecision, decision_id)
    if row is not None and row.tenant_id == tenant_id:
        row.actions_done = True
    return results


class RiskActionsConsumer:
    name = CONSUMER_NAME
    event_types: frozenset[str] | None = frozenset({EventType.RISK_DECISION_FLAGGED.value})

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    def handle(self, envelope: Envelope, uow: UnitOfWork) -> None:
        run_actions(
            uow,
            self.gateway,
            envelope.tenant_id,
            envelope.subject_id,
            envelope.payload,
            trigger_event_id=envelope.event_id,
        )


def risk_actions_consumer(container: Container) -> RiskActionsConsumer:
    return RiskActionsConsumer(gateway_of(container))
