"""The actions of a flagged decision, run through the gateway after the caller has
its answer: the consumer of ``risk_decision.flagged`` (registered by
``kith.bootstrap.wire``) makes one ``Gateway.execute`` call per action, as the
system acting for risk decisions, idempotent per decision and tool."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from kith.access.models import Role, User, UserRole
from kith.access.service import system_principal
from kith.core.event_types import EventType
from kith.crm.models import Contact
from kith.db.uow import UnitOfWork
from kith.events.envelope import Envelope
from kith.gateway.gateway import Gateway, gateway_of
from kith.realtime.models import RealtimeDecision
from kith.realtime.runtime import DecisionRuntime, runtime_for

ACTION_PURPOSE = "service"


def action_calls(
    uow: UnitOfWork, tenant_id: str, payload: Mapping[str, Any], decision_id: str
) -> list[tuple[str, dict[str, Any]]]:
    """The gateway calls of a flagged decision's actions (tool, args)."""
    order_id = payload.get("order_id")
    customer_id = payload.get("customer_id")
    if customer_id is None:  # an event from before the payload carried it
        row = uow.session.get(RealtimeDecision, decision_id)
        customer_id = row.customer_id if row is not None else None
    contact_id = customer_id if customer_id and len(customer_id) <= 32 else None
    what = f"{payload.get('decision_key')} v{payload.get('version')}: {payload.get('outcome')}"
    calls: list[tuple[str, dict[str, Any]]] = []
    for action in payload.get("actions") or ():
        if action == "hold_shipment" and order_id:
            calls.append(
                (
                    "orders.hold_shipment",
                    {
                        "order_id": order_id,
                        "reason": f"Risk decision {what}",
                        "risk_decision_id": decision_id,
                    },
                )
            )
        elif action == "notify_analyst":
            analyst = _risk_analyst(uow, tenant_id)
            if analyst:
                calls.append(
                    (
                        "users.notify",
                        {
                            "user_id": analyst,
                            "title": f"风险决策 / Risk decision: {what}",
                            "body": f"Order {order_id}; passport {payload.get('passport_id')}",
                            "subject_type": "decision",
                            "subject_id": payload.get("passport_id"),
                        },
                    )
                )
        elif action == "open_review_ticket":
            calls.append(
                (
                    "tickets.create",
                    {
                        "subject": f"Payment risk review: order {order_id}"[:300],
                        "description": f"Risk decision {what} "
                        f"(passport {payload.get('passport_id')})",
                        "priority": "high",
                        "category": "risk_review",
                        "contact_id": contact_id,
                    },
                )
            )
        elif action == "step_up_sms" and _is_contact(uow, tenant_id, contact_id):
            calls.append(
                (
                    "messages.send",
                    {
                        "channel": "sms",
                        "contact_id": contact_id,
                        "body": "为保障您的账户安全,请完成短信验证后继续支付。"
                        " For your security, please complete the SMS verification to continue.",
                    },
                )
            )
    return calls


def _is_contact(uow: UnitOfWork, tenant_id: str, contact_id: str | None) -> bool:
    if not contact_id:
        return False
    contact = uow.session.get(Contact, contact_id)
    return contact is not None and contact.tenant_id == tenant_id and contact.deleted_at is None


def _risk_analyst(uow: UnitOfWork, tenant_id: str) -> str | None:
    """The first active analyst, else the first active admin."""
    for role in ("analyst", "admin"):
        found = uow.session.scalar(
            select(User.id)
            .join(UserRole, UserRole.user_id == User.id)
            .join(Role, Role.id == UserRole.role_id)
            .where(User.tenant_id == tenant_id, User.is_active.is_(True), Role.name == role)
            .order_by(User.created_at, User.id)
            .limit(1)
        )
        if found:
            return str(found)
    return None


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
    runtime: DecisionRuntime | None = None,
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
    # The log row is written behind (kith.realtime.log): marked in this process's queue
    # while it waits there, else in the table; a row still waiting in another process
    # keeps actions_done false (the gateway's records tell the truth).
    if runtime is not None and runtime.log is not None:
        runtime.log.mark_actions_done(decision_id)
    uow.session.execute(
        update(RealtimeDecision)
        .where(RealtimeDecision.id == decision_id, RealtimeDecision.tenant_id == tenant_id)
        .values(actions_done=True)
    )
    return results


class RiskActionsConsumer:
    name = CONSUMER_NAME
    event_types: frozenset[str] | None = frozenset({EventType.RISK_DECISION_FLAGGED.value})

    def __init__(self, gateway: Gateway, runtime: DecisionRuntime | None = None) -> None:
        self.gateway = gateway
        self.runtime = runtime

    def handle(self, envelope: Envelope, uow: UnitOfWork) -> None:
        run_actions(
            uow,
            self.gateway,
            envelope.tenant_id,
            envelope.subject_id,
            envelope.payload,
            trigger_event_id=envelope.event_id,
            runtime=self.runtime,
        )


def risk_actions_consumer(container: Container) -> RiskActionsConsumer:
    return RiskActionsConsumer(gateway_of(container), runtime_for(container))
