"""What a server's runtime does for throughput, on SQLite and PostgreSQL: a flagged
decision's event is committed with the answer while its log row and passport follow in
a batch; the customer's history stays cached until the change feed says it changed
(any process), and guests never cost a query."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from kith.access.service import system_principal
from kith.container import Container
from kith.crm.schemas import ContactIn, OrderIn
from kith.crm.service import RecordService
from kith.events.envelope import Envelope
from kith.events.models import OutboxEvent
from kith.gateway.gateway import Gateway
from kith.gateway.models import DecisionRecord
from kith.realtime.actions import RiskActionsConsumer
from kith.realtime.defaults import PAYMENT_RULES
from kith.realtime.features.window import MemoryWindow
from kith.realtime.log import DecisionLog
from kith.realtime.models import RealtimeDecision, ShipmentHold
from kith.realtime.runtime import DecisionRuntime
from kith.realtime.schemas import ListEntryIn
from tests.conftest import Workspace
from tests.integration.test_realtime_decisions import (
    NOW,
    Clock,
    _admin,
    _payment,
    _publish,
    _service,
)
from tests.integration.test_realtime_decisions import _decide as _decide_within


def _decide(*args: Any) -> Any:
    """A generous budget: a loaded test machine must not turn a decision into a fallback."""
    return _decide_within(*args, budget_ms=10_000)


_OPEN: list[DecisionLog] = []


def _server_runtime(container: Container) -> DecisionRuntime:
    """As ``runtime_for`` builds it, with a writer that only writes when told to."""
    log = DecisionLog(container.session_factory, interval_s=3600)
    _OPEN.append(log)
    return DecisionRuntime(MemoryWindow(), log=log)


@pytest.fixture(autouse=True)
def _close_logs() -> Iterator[None]:
    """Stop each test's writer while its database still exists."""
    yield
    while _OPEN:
        _OPEN.pop().close()


def test_a_flagged_decision_commits_its_event_and_batches_its_passport(
    container: Container, workspace: Workspace
) -> None:
    admin = _admin(container, workspace)
    runtime = _server_runtime(container)
    assert runtime.log is not None
    _publish(container, admin, runtime, PAYMENT_RULES)
    with container.uow() as uow:
        _service(uow, admin, runtime, Clock()).add_entry(
            ListEntryIn(list_name="blocklist", kind="device", value="dev-x", reason="ring")
        )
        uow.commit()
    passed = _decide(container, admin, runtime, _payment("p-1"))
    ring = [
        _decide(container, admin, runtime, _payment(f"r-{n}", card="card-ring-9")) for n in range(5)
    ]
    blocked = _decide(container, admin, runtime, _payment("x-1", device_fingerprint="dev-x"))
    assert passed.outcome == "pass" and ring[-1].outcome == "step_up"
    assert blocked.outcome == "block"

    with container.uow() as uow:
        # the answers are given; the flagged events are committed with them ...
        events = uow.session.scalars(
            select(OutboxEvent).where(OutboxEvent.type == "risk_decision.flagged")
        ).all()
        by_subject = {e.subject_id: e.payload for e in events}
        assert set(by_subject) == {ring[-1].decision_id, blocked.decision_id}
        step_up = by_subject[ring[-1].decision_id]
        assert step_up["customer_id"] == "r-4" and step_up["order_id"] == "SO-r-4-1"
        assert step_up["fired"] == ["card_shared_by_accounts"]
        assert step_up["actions"] == ["step_up_sms", "hold_shipment", "notify_analyst"]
        # ... while the log rows and passports wait for the batch
        assert uow.session.scalars(select(RealtimeDecision)).all() == []
        assert uow.session.scalars(select(DecisionRecord)).all() == []

    assert runtime.log.flush() == 7
    with container.uow() as uow:
        rows = {r.id: r for r in uow.session.scalars(select(RealtimeDecision))}
        assert len(rows) == 7 and rows[passed.decision_id].passport_id is None
        for decision_id, payload in by_subject.items():
            row = rows[decision_id]
            assert row.passport_id == payload["passport_id"]
            passport = uow.session.get(DecisionRecord, row.passport_id)
            assert passport is not None and passport.purpose == "risk"
            assert passport.rationale is not None
            assert passport.rationale["engine_version"] == "payment_check@v1"
        blocked_passport = uow.session.get(DecisionRecord, rows[blocked.decision_id].passport_id)
        assert [f["name"] for f in blocked_passport.rationale["factors"]] == [  # type: ignore[index,union-attr]
            "blocked_device_or_ip"
        ]


def test_the_actions_consumer_acts_from_the_event_before_the_row_is_written(
    container: Container, workspace: Workspace
) -> None:
    admin = _admin(container, workspace)
    runtime = _server_runtime(container)
    _publish(container, admin, runtime, PAYMENT_RULES)
    for n in range(5):
        out = _decide(container, admin, runtime, _payment(f"a-{n}", card="card-ring-2"))
    assert out.outcome == "step_up"
    with container.uow() as uow:
        event = uow.session.scalars(
            select(OutboxEvent).where(OutboxEvent.subject_id == out.decision_id)
        ).one()
        assert uow.session.get(RealtimeDecision, out.decision_id) is None  # still queued
        consumer = RiskActionsConsumer(Gateway(clock=Clock()), runtime)
        consumer.handle(Envelope.from_outbox(event), uow)
        uow.commit()
    assert runtime.log is not None and runtime.log.flush() == 5
    with container.uow() as uow:
        hold = uow.session.scalars(select(ShipmentHold)).one()
        assert hold.order_id == "SO-a-4-1" and hold.decision_id == out.decision_id
        row = uow.session.get(RealtimeDecision, out.decision_id)
        assert row is not None and row.actions_done and row.passport_id is not None


def _contact_with_orders(container: Container, tenant_id: str, delivered: int) -> str:
    with container.uow() as uow:
        records = RecordService(uow, system_principal(tenant_id))
        contact = records.create("contact", ContactIn(name="李娜"))
        for n in range(delivered):
            records.create(
                "order",
                OrderIn(
                    number=f"SO-H-{contact['id'][-6:]}-{n}",
                    contact_id=contact["id"],
                    status="delivered",
                    ordered_at=NOW - timedelta(days=100 + n),
                ),
            )
        uow.commit()
        return str(contact["id"])


def _add_order(container: Container, tenant_id: str, contact_id: str, number: str) -> None:
    with container.uow() as uow:
        RecordService(uow, system_principal(tenant_id)).create(
            "order",
            OrderIn(number=number, contact_id=contact_id, status="delivered", ordered_at=NOW),
        )
        uow.commit()


def _history(out: Any, container: Container) -> dict[str, Any]:
    with container.uow() as uow:
        row = uow.session.get(RealtimeDecision, out.decision_id)
        assert row is not None and row.features is not None
        return dict(row.features["history"])


def test_the_history_stays_cached_until_the_change_feed_says_otherwise(
    container: Container, workspace: Workspace
) -> None:
    admin = _admin(container, workspace)
    tenant = workspace.tenant_id
    # two processes deciding for the same workspace
    here, there = DecisionRuntime(MemoryWindow()), DecisionRuntime(MemoryWindow())
    _publish(container, admin, here, PAYMENT_RULES)
    customer = _contact_with_orders(container, tenant, delivered=2)
    for runtime in (here, there):
        first = _decide(container, admin, runtime, _payment(customer, n=1))
        assert _history(first, container)["delivered"] == 2
    misses = here.history.misses
    again = _decide(container, admin, here, _payment(customer, n=2))
    assert _history(again, container)["delivered"] == 2 and here.history.misses == misses

    _add_order(container, tenant, customer, "SO-H-NEW-1")  # an order.created event
    for runtime in (here, there):
        runtime.expire(tenant)  # the next decision reads the feed (as after 250 ms)
        out = _decide(container, admin, runtime, _payment(customer, n=3))
        history = _history(out, container)
        assert history["delivered"] == 3 and history["orders"] == 3
    # a third order makes the customer loyal in both processes
    _add_order(container, tenant, customer, "SO-H-NEW-2")
    there.expire(tenant)
    loyal = _decide(container, admin, there, _payment(customer, n=4))
    assert [f.rule for f in loyal.fired] == ["loyal_customer"]


def test_guests_cost_no_query_and_a_fraud_label_reaches_every_process(
    container: Container, workspace: Workspace
) -> None:
    admin = _admin(container, workspace)
    tenant = workspace.tenant_id
    here, there = DecisionRuntime(MemoryWindow()), DecisionRuntime(MemoryWindow())
    _publish(container, admin, here, PAYMENT_RULES)
    for runtime in (here, there):
        out = _decide(container, admin, runtime, _payment("guest-77", n=1))
        assert _history(out, container) == {
            "known": False,
            "orders": 0,
            "delivered": 0,
            "refunds": 0,
            "disputes": 0,
            "tickets": 0,
            "days_since_first_order": -1,
        }
        assert runtime.history.misses == 0 and runtime.history.guests == 1
    with container.uow() as uow:
        # both processes decided the same order
        assert _service(uow, admin, here, Clock()).label("SO-guest-77-1", "chargeback") == 2
        uow.commit()
    for runtime in (here, there):
        runtime.expire(tenant)
        out = _decide(container, admin, runtime, _payment("guest-77", n=2))
        assert _history(out, container)["disputes"] == 1
        assert "past_disputes" in [f.rule for f in out.fired]
        assert runtime.history.misses == 0
    # a process started later loads the labelled guests with the rule sets
    late = DecisionRuntime(MemoryWindow())
    out = _decide(container, admin, late, _payment("guest-77", n=3))
    assert _history(out, container)["disputes"] == 1
    with container.uow() as uow:
        labelled = uow.session.scalars(
            select(OutboxEvent).where(OutboxEvent.type == "risk_decision.labelled")
        ).all()
        assert [(e.payload["customer_id"], e.payload["label"]) for e in labelled] == [
            ("guest-77", "fraud"),
            ("guest-77", "fraud"),
        ]
