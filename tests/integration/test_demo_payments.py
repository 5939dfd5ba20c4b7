"""The demo's payment-check story end to end (S4): loading the demo publishes the
payment rules, blocks a stolen device and decides three checkouts — the blocked
device is blocked, the card shared by five accounts in an hour gets a step-up (its
actions run through the gateway), the loyal customer passes silently."""

from __future__ import annotations

from sqlalchemy import select

from kith.access.service import system_principal
from kith.container import Container
from kith.events.models import OutboxEvent
from kith.gateway.decisions import DecisionReader
from kith.gateway.gateway import Gateway
from kith.gateway.models import DecisionRecord
from kith.realtime.actions import run_actions
from kith.realtime.models import RealtimeDecision, ShipmentHold
from kith.realtime.runtime import runtime_for
from kith.realtime.service import RealtimeService
from tests.integration.test_demo import ANCHOR, load


def test_the_demo_tells_the_payment_check_story(container: Container) -> None:
    load(container, "demo")
    with container.uow() as uow:
        rows = uow.session.scalars(select(RealtimeDecision).order_by(RealtimeDecision.at)).all()
        tenant_id = rows[0].tenant_id
        assert [r.outcome for r in rows] == [
            "block",
            "pass",
            "pass",
            "pass",
            "pass",
            "step_up",
            "pass",
        ]
        blocked, step_up, loyal = rows[0], rows[5], rows[6]
        assert [f["rule"] for f in blocked.fired] == ["blocked_device_or_ip"]
        assert "card_shared_by_accounts" in [f["rule"] for f in step_up.fired]
        assert loyal.passport_id is None and loyal.features is not None
        # the customer with the most deliveries (few at this scale) passes without a word
        assert loyal.features["history"]["known"] is True
        assert loyal.features["history"]["delivered"] >= 1
        assert [f["rule"] for f in loyal.fired] in ([], ["loyal_customer"])
        # the step-up is explained in the customer's decision passports
        reader = DecisionReader(uow, system_principal(tenant_id))
        passports = reader.search(contact_id=step_up.customer_id)
        assert [p.id for p in passports] == [step_up.passport_id]
        reasons = passports[0].rationale["inputs"]["reasons"]  # type: ignore[index]
        assert reasons[0]["zh"] == "该银行卡在过去一小时内被多个账户使用。"
        # history, not news: the relay will not replay the story's actions
        event = uow.session.scalars(
            select(OutboxEvent).where(OutboxEvent.subject_id == step_up.id)
        ).one()
        assert event.published_at is not None
        results = run_actions(
            uow, Gateway(clock=lambda: ANCHOR), tenant_id, step_up.id, event.payload
        )
        uow.commit()
    statuses = {r["tool"]: r["status"] for r in results}
    assert set(statuses) == {"messages.send", "orders.hold_shipment", "users.notify"}
    assert statuses["orders.hold_shipment"] == statuses["users.notify"] == "executed"
    # the SMS reaches the gateway, whose consent check decides (recorded either way)
    with container.uow() as uow:
        assert uow.session.scalars(select(ShipmentHold)).one().order_id == step_up.order_id
        sms = uow.session.scalars(
            select(DecisionRecord).where(DecisionRecord.tool == "messages.send")
        ).one()
        assert sms.contact_id == step_up.customer_id
        stats = RealtimeService(
            uow, system_principal(tenant_id), runtime_for(container), clock=lambda: ANCHOR
        ).stats("payment_check")
        assert stats["variants"][0]["outcomes"] == {"block": 1, "pass": 5, "step_up": 1}
