"""Domain events of the gateway's own state changes (approval requests and decisions),
so agents and integrations can react to them like to any other change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kith.events.types import Actor, DomainEvent, EventType
from kith.gateway.models import ApprovalRequest, DecisionRecord


def approval_event(
    type_: EventType,
    request: ApprovalRequest,
    decision: DecisionRecord,
    actor: Actor,
    at: datetime,
    **payload: Any,
) -> DomainEvent:
    """``approval.requested`` / ``approval.approved`` / ``approval.rejected``, tied to the
    customer the proposed action concerns."""
    return DomainEvent(
        type=type_,
        tenant_id=request.tenant_id,
        subject_type="approval",
        subject_id=request.id,
        actor=actor,
        payload={"tool": request.tool, "status": request.status, **payload},
        account_id=decision.account_id,
        contact_id=decision.contact_id,
        summary=f"{type_}: {request.tool}"[:500],
        occurred_at=at,
    )
