"""The demo's payment-check story (scenario S4): the payment rule set published, a
stolen device on the blocklist, and three checkouts decided at the anchor — a
checkout from the blocked device, a card used by five accounts within an hour, and
a loyal customer who passes silently. Their decisions (and the passports of the two
that did not pass) are part of the demo's history."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from kith.access.models import Role, User, UserRole
from kith.access.principal import Principal
from kith.access.service import principal_for_user
from kith.container import Container
from kith.crm.models import Contact, Order
from kith.realtime.defaults import PAYMENT_CHECK, PAYMENT_RULES
from kith.realtime.features.window import MemoryWindow
from kith.realtime.runtime import DecisionRuntime
from kith.realtime.schemas import DraftIn, ListEntryIn, RuleSetDefinition
from kith.realtime.service import RealtimeService

STOLEN_DEVICE = "fp-7f3a-stolen-android"
RING_CARD = "tok-ring-4c1d9e"


class _At:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def seed_payment_story(container: Container, tenant_id: str, anchor: datetime) -> dict[str, Any]:
    """Publish the rules, block the device, decide the three checkouts; what happened."""
    clock = _At(anchor - timedelta(hours=2))
    runtime = DecisionRuntime(MemoryWindow())
    with container.uow() as uow:
        principal = admin_principal(uow.session, tenant_id)  # timelines name people, not "system"
        if principal is None:
            return {}
        service = RealtimeService(uow, principal, runtime, clock=clock)
        draft = service.draft(
            PAYMENT_CHECK,
            DraftIn(definition=RuleSetDefinition.model_validate(PAYMENT_RULES), note="S4 demo"),
        )
        service.publish(PAYMENT_CHECK, draft.version)
        service.add_entry(
            ListEntryIn(
                list_name="blocklist",
                kind="device",
                value=STOLEN_DEVICE,
                reason="与拒付团伙关联 / linked to a chargeback ring",
            )
        )
        loyal, others = _customers(uow.session, tenant_id)
        uow.commit()
    if loyal is None or len(others) < 6:
        return {}

    def decide(customer: str, n: int, **over: Any) -> Any:
        body = {
            "customer_id": customer,
            "order_id": f"SO-PAY-{n:03d}",
            "amount": "1299.00",
            "currency": "CNY",
            "card_token_hash": f"tok-{customer[-10:]}",
            "ip": f"223.104.{n}.20",
            "device_fingerprint": f"fp-{customer[-10:]}",
            "shipping_address": {"country": "CN", "city": "上海"},
            **over,
        }
        with container.uow() as uow:
            out = RealtimeService(uow, principal, runtime, clock=clock).decide(
                PAYMENT_CHECK, body, budget_ms=5_000
            )
            uow.commit()
        clock.at += timedelta(minutes=7)
        return out

    blocked = decide(others[0], 1, device_fingerprint=STOLEN_DEVICE)
    ring = [decide(c, 2 + n, card_token_hash=RING_CARD) for n, c in enumerate(others[1:6])]
    passed = decide(loyal, 9)
    return {
        "blocked_device": blocked.outcome,
        "shared_card": [d.outcome for d in ring],
        "loyal_customer": passed.outcome,
        "loyal_customer_id": loyal,
        "decision_ids": [blocked.decision_id, *(d.decision_id for d in ring), passed.decision_id],
    }


def admin_principal(session: Any, tenant_id: str) -> Principal | None:
    """The workspace's first active admin (timelines name people, not "system")."""
    user = session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .join(Role, Role.id == UserRole.role_id)
        .where(User.tenant_id == tenant_id, User.is_active.is_(True), Role.name == "admin")
        .order_by(User.created_at, User.id)
        .limit(1)
    ).first()
    return principal_for_user(session, user) if user is not None else None


def _customers(session: Any, tenant_id: str) -> tuple[str | None, list[str]]:
    """The contact with the most delivered orders, and six contacts without orders."""
    delivered = session.execute(
        select(Order.contact_id, func.count(Order.id))
        .where(
            Order.tenant_id == tenant_id,
            Order.status == "delivered",
            Order.contact_id.is_not(None),
            Order.deleted_at.is_(None),
        )
        .group_by(Order.contact_id)
        .order_by(func.count(Order.id).desc(), Order.contact_id)
        .limit(1)
    ).first()
    with_orders = select(Order.contact_id).where(
        Order.tenant_id == tenant_id, Order.contact_id.is_not(None)
    )
    others = session.scalars(
        select(Contact.id)
        .where(
            Contact.tenant_id == tenant_id,
            Contact.deleted_at.is_(None),
            Contact.id.not_in(with_orders),
        )
        .order_by(Contact.id)
        .limit(6)
    ).all()
    return (delivered[0] if delivered else None), list(others)
