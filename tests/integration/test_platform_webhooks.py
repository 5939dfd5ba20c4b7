"""Outbound webhooks against a real local HTTP receiver, on SQLite and PostgreSQL:
signed delivery from the outbox, the owner's field rules and record scope, CEL filters,
retries with backoff, auto-disable with a notice to the admins, per-subject order, and
a slow receiver that does not hold back another subscription."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text

from kith.access.models import FieldRule, Role
from kith.access.principal import Principal
from kith.access.service import principal_for_user
from kith.container import Container
from kith.core.event_types import EventType
from kith.crm.schemas import ContactIn, LeadIn
from kith.crm.service import RecordService
from kith.events.inprocess import InProcessBus
from kith.events.models import OutboxEvent
from kith.events.runtime import EventRuntime, RuntimeOptions
from kith.gateway.models import Notification
from kith.platform import signing
from kith.platform.consumer import WebhooksConsumer
from kith.platform.delivery import DeliveryPolicy, deliver
from kith.platform.dispatcher import Dispatcher
from kith.platform.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from kith.platform.schemas import WebhookIn
from kith.platform.sender import client as http_client
from kith.platform.service import WebhookService
from tests.conftest import Workspace
from tests.webhook_receiver import Receiver, running_receiver

FAST = RuntimeOptions(worker="test-worker", idle_wait=0.05, poll_interval=0.05, retry_poll=0.02)
NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)


def wait_until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


class Clock:
    def __init__(self, at: datetime = NOW) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as r:
        yield r


@pytest.fixture
def runtime(container: Container) -> Iterator[EventRuntime]:
    consumer = WebhooksConsumer(container)
    consumer.dispatcher = Dispatcher(container, DeliveryPolicy(timeout=2.0, allow_private=True))
    rt = EventRuntime(container, InProcessBus(), [consumer], FAST)
    rt.start()
    yield rt
    rt.stop()


def principal(container: Container, workspace: Workspace, role: str) -> Principal:
    with container.uow() as uow:
        return principal_for_user(uow.session, workspace.users[role])


def subscribe(
    container: Container, workspace: Workspace, url: str, types: list[str], **kw: Any
) -> tuple[str, str]:
    admin = principal(container, workspace, "admin")
    with container.uow() as uow:
        row, secret = WebhookService(uow, admin, container.clock).create(
            WebhookIn(name=kw.pop("name", "ERP"), url=url, event_types=types, **kw)
        )
        uow.commit()
        return row.id, secret


def statuses(container: Container, hook_id: str) -> list[str]:
    with container.uow() as uow:
        return list(
            uow.session.scalars(
                select(WebhookDelivery.status)
                .where(WebhookDelivery.subscription_id == hook_id)
                .order_by(WebhookDelivery.seq)
            )
        )


def create(container: Container, who: Principal, object_type: str, data: Any) -> dict[str, Any]:
    with container.uow() as uow:
        out = RecordService(uow, who).create(object_type, data)
        uow.commit()
        return out


def test_committed_events_reach_the_receiver_signed_and_shaped_by_the_owner(
    container: Container, workspace: Workspace, receiver: Receiver, runtime: EventRuntime
) -> None:
    hook_id, secret = subscribe(container, workspace, receiver.url(), ["contact.created"])
    admin = principal(container, workspace, "admin")
    contact = create(
        container,
        admin,
        "contact",
        ContactIn(name="王芳", city="上海", phone="13800138000", id_number="11010519491231002X"),
    )
    create(container, admin, "lead", LeadIn(name="not subscribed"))

    wait_until(lambda: len(receiver.at("/hook")) == 1)
    got = receiver.at("/hook")[0]
    signing.verify(secret, got.headers["kith-signature"], got.body, now=time.time())
    body = got.json
    assert body["type"] == "contact.created"
    assert body["subject"] == {"type": "contact", "id": contact["id"]}
    assert got.headers["kith-event-id"] == body["id"]
    assert got.headers["kith-event-type"] == "contact.created"
    assert got.headers["kith-attempt"] == "1"
    assert body["data"]["record"]["city"] == "上海"
    assert "id_number" not in body["data"]["record"]  # sensitive: never travels
    assert "11010519491231002X" not in got.body.decode()
    wait_until(lambda: statuses(container, hook_id) == ["succeeded"])
    with container.uow() as uow:
        attempt = uow.session.scalars(select(WebhookAttempt)).one()
        assert (attempt.ok, attempt.status_code, attempt.response_body) == (True, 200, "ok")
        stored = uow.session.get(WebhookSubscription, hook_id)
        assert stored is not None and stored.secret == secret
        # the secret is encrypted at rest
        raw = uow.session.execute(
            text("SELECT secret FROM webhook_subscriptions WHERE id = :id"), {"id": hook_id}
        ).scalar_one()
        assert raw.startswith("enc:v1:") and secret not in raw


def test_hidden_fields_and_out_of_scope_records_never_leave(
    container: Container, workspace: Workspace, receiver: Receiver, runtime: EventRuntime
) -> None:
    hook_id, _ = subscribe(
        container, workspace, receiver.url(), ["contact.created", "lead.created"]
    )
    with container.uow() as uow:
        # The owner is a sales rep whose role hides contacts' phone numbers.
        row = uow.session.get(WebhookSubscription, hook_id)
        assert row is not None
        row.owner_id = workspace.users["sales"].id
        sales_role = uow.session.scalars(
            select(Role).where(Role.tenant_id == workspace.tenant_id, Role.name == "sales")
        ).one()
        uow.session.add(
            FieldRule(
                tenant_id=workspace.tenant_id,
                role_id=sales_role.id,
                object_type="contact",
                field="phone",
                access="hidden",
            )
        )
        uow.commit()
    admin = principal(container, workspace, "admin")
    create(container, admin, "contact", ContactIn(name="李雷", phone="13900139000", city="北京"))
    # Leads: sales reads its team's; sales3 is outside the team, sales2 inside.
    create(container, principal(container, workspace, "sales3"), "lead", LeadIn(name="outside"))
    create(container, principal(container, workspace, "sales2"), "lead", LeadIn(name="teammate"))

    wait_until(lambda: len(receiver.at("/hook")) == 2)
    time.sleep(0.3)  # nothing else arrives
    bodies = [r.json for r in receiver.at("/hook")]
    assert [b["type"] for b in bodies] == ["contact.created", "lead.created"]
    assert bodies[0]["data"]["record"]["city"] == "北京"
    assert "phone" not in bodies[0]["data"]["record"]
    assert "13900139000" not in receiver.at("/hook")[0].body.decode()
    assert bodies[1]["data"]["record"]["name"] == "teammate"


def test_a_cel_filter_selects_events(
    container: Container, workspace: Workspace, receiver: Receiver, runtime: EventRuntime
) -> None:
    subscribe(
        container,
        workspace,
        receiver.url(),
        ["contact.created"],
        filter='event.data.record.city == "上海"',
    )
    admin = principal(container, workspace, "admin")
    create(container, admin, "contact", ContactIn(name="北京客户", city="北京"))
    create(container, admin, "contact", ContactIn(name="无城市"))  # no city: no match
    create(container, admin, "contact", ContactIn(name="上海客户", city="上海"))
    wait_until(lambda: len(receiver.at("/hook")) == 1)
    time.sleep(0.3)
    assert [r.json["data"]["record"]["name"] for r in receiver.at("/hook")] == ["上海客户"]


def test_a_slow_receiver_does_not_hold_back_another_subscription(
    container: Container, workspace: Workspace, receiver: Receiver, runtime: EventRuntime
) -> None:
    release = threading.Event()

    def stuck(_: Any) -> tuple[int, str]:
        release.wait(10)
        return 200, "late"

    receiver.on("/slow", stuck)
    subscribe(container, workspace, receiver.url("/slow"), ["contact.created"], name="slow")
    subscribe(container, workspace, receiver.url("/fast"), ["contact.created"], name="fast")
    admin = principal(container, workspace, "admin")
    for n in range(5):
        create(container, admin, "contact", ContactIn(name=f"客户{n}"))
    try:
        # Every event reaches the healthy receiver while the slow one still holds the first.
        wait_until(lambda: len(receiver.at("/fast")) == 5)
        assert receiver.at("/slow") == []
    finally:
        release.set()
    wait_until(lambda: len({r.headers["kith-event-id"] for r in receiver.at("/slow")}) == 5)


def _queue(container: Container, hook_id: str, tenant: str, seq: int, subject: str) -> str:
    with container.uow() as uow:
        row = WebhookDelivery(
            tenant_id=tenant,
            subscription_id=hook_id,
            event_id=f"e{seq:031d}",
            event_type="contact.updated",
            seq=seq,
            subject_key=f"contact:{subject}",
            body={"id": f"e{seq}", "n": seq},
            next_attempt_at=container.clock(),
        )
        uow.session.add(row)
        uow.commit()
        return row.id


def test_retries_back_off_keep_subject_order_then_disable_and_notify_admins(
    container: Container, workspace: Workspace, receiver: Receiver
) -> None:
    clock = Clock()
    container.clock = clock
    receiver.on("/hook", lambda _r: (500, "down for maintenance " + "x" * 5000))
    hook_id, _ = subscribe(container, workspace, receiver.url(), ["contact.updated"])
    a1 = _queue(container, hook_id, workspace.tenant_id, 1, "a")
    a2 = _queue(container, hook_id, workspace.tenant_id, 2, "a")
    b1 = _queue(container, hook_id, workspace.tenant_id, 3, "b")
    policy = DeliveryPolicy(
        timeout=2.0, max_attempts=5, backoff=10, backoff_max=60, disable_after=4, allow_private=True
    )
    dispatcher = Dispatcher(container, policy)
    with http_client(2.0) as client:
        # Only each subject's head is eligible: a2 waits behind a1.
        assert dispatcher.eligible(hook_id) == [a1, b1]
        first = deliver(container, a1, client, policy)
        assert first is not None and (first.ok, first.status_code, first.status) == (
            False,
            500,
            "pending",
        )
        # a1 now waits 10 s; a2 still waits behind it; b1 goes on.
        assert dispatcher.eligible(hook_id) == [b1]
        deliver(container, b1, client, policy)
        clock.at += timedelta(seconds=10)
        assert dispatcher.eligible(hook_id) == [a1, b1]  # both waited their 10 s
        deliver(container, a1, client, policy)  # a1's second failure: next in 20 s
        with container.uow() as uow:
            row = uow.session.get(WebhookDelivery, a1)
            assert row is not None and row.next_attempt_at == clock.at + timedelta(seconds=20)
        assert deliver(container, b1, client, policy) is not None  # 4th failure in a row
    with container.uow() as uow:
        hook = uow.session.get(WebhookSubscription, hook_id)
        assert hook is not None and not hook.active
        assert hook.disabled_reason and "4 failed deliveries in a row" in hook.disabled_reason
        attempts = uow.session.scalars(select(WebhookAttempt)).all()
        assert len(attempts) == 4
        assert all(a.status_code == 500 and len(a.response_body or "") == 2000 for a in attempts)
        disabled = uow.session.scalars(
            select(OutboxEvent).where(OutboxEvent.type == EventType.WEBHOOK_DISABLED.value)
        ).all()
        assert [e.subject_id for e in disabled] == [hook_id]
        notices = uow.session.scalars(select(Notification)).all()
        assert [n.user_id for n in notices] == [workspace.users["admin"].id]
        assert "Webhook disabled" in notices[0].title
    # A disabled subscription's deliveries wait; nothing is eligible for the dispatcher.
    with container.uow() as uow:
        from kith.platform.repository import WebhookRepository

        assert hook_id not in WebhookRepository(uow.session).subscriptions_with_due(clock.at)
        assert uow.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 3
    assert a2  # still queued behind a1
