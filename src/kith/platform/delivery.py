"""Sending one delivery: claim it, POST it signed, record the attempt, then settle it
(succeeded; retry later with exponential backoff; failed after the last attempt) and
the subscription's health (auto-disabled after ``disable_after`` failures in a row,
with a notice to every active administrator through ``users.notify``).

Each step is its own short transaction, so no database lock is held while a receiver
answers. A process killed between the POST and the record leaves the delivery open
with a lease that expires; it is sent again (at least once).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from kith.access.service import system_principal
from kith.container import Container
from kith.core.domain import Actor, DomainEvent
from kith.core.event_types import EventType
from kith.core.serialize import dumps
from kith.core.settings import Settings
from kith.db.uow import UnitOfWork
from kith.gateway.gateway import gateway_of
from kith.platform import sender
from kith.platform.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from kith.platform.repository import WebhookRepository

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("kith.platform")
NOTICE_PURPOSE = "service"
TEST = "test"  # the status of a test send before its one attempt


@dataclass(frozen=True)
class DeliveryPolicy:
    timeout: float = 5.0
    max_attempts: int = 8
    backoff: float = 10.0  # seconds before the second attempt; doubles each time
    backoff_max: float = 3600.0
    disable_after: int = 15  # failed attempts in a row
    allow_private: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> DeliveryPolicy:
        allow = settings.webhook_allow_private_targets
        return cls(
            timeout=settings.webhook_timeout_seconds,
            max_attempts=settings.webhook_max_attempts,
            backoff=settings.webhook_backoff_seconds,
            backoff_max=settings.webhook_backoff_max_seconds,
            disable_after=settings.webhook_disable_after,
            allow_private=settings.is_demo if allow is None else allow,
        )

    def delay(self, failures: int) -> timedelta:
        return timedelta(seconds=min(self.backoff * 2 ** max(failures - 1, 0), self.backoff_max))

    def lease(self, count: int) -> timedelta:
        """How long a claim of ``count`` deliveries holds: a batch stops at its first
        failure, so at most one request runs into the timeout; the rest answer fast or
        the claim lapses and they are sent again (at least once)."""
        return timedelta(seconds=2 * self.timeout + 5 + 0.5 * count)


@dataclass(frozen=True)
class Outcome:
    delivery_id: str
    attempt: int
    ok: bool
    status_code: int | None
    latency_ms: float
    error: str | None
    status: str  # the delivery's status afterwards


@dataclass(frozen=True)
class _Claimed:
    delivery_id: str
    url: str
    secret: str
    body: bytes
    event_id: str
    event_type: str
    attempt: int


def deliver(
    container: Container,
    delivery_id: str,
    client: httpx.Client,
    policy: DeliveryPolicy,
    *,
    retry: bool = True,
) -> Outcome | None:
    """Send one open delivery now; None if another process holds it, it is no longer
    open or its subscription is inactive. ``retry=False`` (test sends): a failure is
    final and does not count against the subscription's health."""
    outcomes = deliver_batch(container, [delivery_id], lambda: client, policy, retry=retry)
    return outcomes[0] if outcomes else None


def deliver_batch(
    container: Container,
    delivery_ids: Sequence[str],
    clients: Callable[[], httpx.Client],
    policy: DeliveryPolicy,
    *,
    retry: bool = True,
    pool: Executor | None = None,
    wave: int = 1,
) -> list[Outcome]:
    """Send deliveries of one subscription: claimed in one transaction, sent in waves of
    ``wave`` concurrent requests on ``pool`` (the ids must then be of different
    subjects), settled in one transaction. After a wave with a failure the rest are
    released untried (the receiver is in trouble). ``clients`` gives the calling
    thread's HTTP client."""
    claimed = _claim(container, delivery_ids, policy, "pending" if retry else TEST)
    if not claimed:
        return []
    sent: list[tuple[_Claimed, datetime, sender.SendResult]] = []
    step = max(1, wave if pool is not None else 1)
    for start in range(0, len(claimed), step):
        items = claimed[start : start + step]
        if pool is not None and len(items) > 1:
            results = list(pool.map(lambda i: _send(container, i, clients(), policy), items))
        else:
            results = [_send(container, i, clients(), policy) for i in items]
        sent.extend(results)
        if not all(r.ok for _, _, r in results):
            break
    unsent = [item.delivery_id for item in claimed[len(sent) :]]
    return _settle(container, sent, unsent, policy, retry)


def _send(
    container: Container, item: _Claimed, client: httpx.Client, policy: DeliveryPolicy
) -> tuple[_Claimed, datetime, sender.SendResult]:
    started = container.clock()
    headers = sender.headers_for(
        item.secret,
        item.body,
        item.event_id,
        item.event_type,
        item.delivery_id,
        item.attempt,
        int(time.time()),
    )
    return item, started, sender.post(client, item.url, item.body, headers, policy.allow_private)


def _claim(
    container: Container, delivery_ids: Sequence[str], policy: DeliveryPolicy, status: str
) -> list[_Claimed]:
    with container.uow() as uow:
        now = container.clock()
        lease_until = now + policy.lease(len(delivery_ids))
        repo = WebhookRepository(uow.session)
        rows = {row.id: row for row in repo.deliveries_by_id(delivery_ids)}
        subscriptions: dict[str, WebhookSubscription | None] = {}
        wanted: list[str] = []
        for delivery_id in delivery_ids:
            delivery = rows.get(delivery_id)
            if delivery is None:
                continue
            sub_id = delivery.subscription_id
            if sub_id not in subscriptions:
                subscriptions[sub_id] = uow.session.get(WebhookSubscription, sub_id)
            subscription = subscriptions[sub_id]
            if subscription is None or subscription.deleted_at is not None:
                continue
            if not subscription.active and status != TEST:  # test sends reach paused ones too
                continue
            wanted.append(delivery_id)
        taken = repo.claim_many(wanted, now, lease_until, status)
        out: list[_Claimed] = []
        for delivery_id in wanted:
            delivery = rows[delivery_id]
            if delivery_id not in taken:
                continue
            subscription = subscriptions[delivery.subscription_id]
            assert subscription is not None
            out.append(
                _Claimed(
                    delivery_id=delivery_id,
                    url=subscription.url,
                    secret=subscription.secret,
                    body=dumps(delivery.body),
                    event_id=delivery.event_id,
                    event_type=delivery.event_type,
                    attempt=delivery.attempts + 1,
                )
            )
        uow.commit()
        return out


def _settle(
    container: Container,
    sent: Sequence[tuple[_Claimed, datetime, sender.SendResult]],
    unsent: Sequence[str],
    policy: DeliveryPolicy,
    retry: bool,
) -> list[Outcome]:
    with container.uow() as uow:
        now = container.clock()
        ids = [item.delivery_id for item, _, _ in sent] + list(unsent)
        rows = {row.id: row for row in WebhookRepository(uow.session).deliveries_by_id(ids)}
        outcomes = [
            _record(
                uow, container, rows[item.delivery_id], item, started, result, policy, retry, now
            )
            for item, started, result in sent
        ]
        for delivery_id in unsent:
            rows[delivery_id].lease_until = None
        uow.commit()
        return outcomes


def _record(
    uow: UnitOfWork,
    container: Container,
    delivery: WebhookDelivery,
    item: _Claimed,
    started: datetime,
    result: sender.SendResult,
    policy: DeliveryPolicy,
    retry: bool,
    now: datetime,
) -> Outcome:
    subscription = uow.session.get(WebhookSubscription, delivery.subscription_id)
    assert subscription is not None
    uow.session.add(
        WebhookAttempt(
            tenant_id=delivery.tenant_id,
            delivery_id=delivery.id,
            subscription_id=delivery.subscription_id,
            number=item.attempt,
            started_at=started,
            latency_ms=result.latency_ms,
            ok=result.ok,
            status_code=result.status_code,
            error=result.error,
            response_body=result.response_body,
        )
    )
    delivery.attempts = item.attempt
    delivery.lease_until = None
    delivery.last_status_code = result.status_code
    delivery.last_error = result.error
    if result.ok:
        delivery.status = "succeeded"
        delivery.delivered_at = now
        if retry:
            subscription.consecutive_failures = 0
    elif not retry or item.attempt >= policy.max_attempts:
        delivery.status = "failed"
    else:
        delivery.next_attempt_at = now + policy.delay(item.attempt)
    if not result.ok and retry:
        subscription.consecutive_failures += 1
        if subscription.active and subscription.consecutive_failures >= policy.disable_after:
            disable(uow, container, subscription, now, result.error or "failed")
    return Outcome(
        delivery.id,
        item.attempt,
        result.ok,
        result.status_code,
        result.latency_ms,
        result.error,
        delivery.status,
    )


def disable(
    uow: UnitOfWork,
    container: Container,
    subscription: WebhookSubscription,
    now: datetime,
    last_error: str,
) -> None:
    """Pause a failing subscription (its open deliveries wait) and tell the admins."""
    failures = subscription.consecutive_failures
    reason = f"{failures} failed deliveries in a row; last: {last_error}"[:500]
    subscription.active = False
    subscription.disabled_reason = reason
    subscription.disabled_at = now
    subscription.version += 1
    subscription.updated_at = now
    uow.emit(
        DomainEvent(
            type=EventType.WEBHOOK_DISABLED,
            tenant_id=subscription.tenant_id,
            subject_type="webhook",
            subject_id=subscription.id,
            actor=Actor.system(),
            payload={"reason": reason, "consecutive_failures": failures, "url": subscription.url},
            summary=f"webhook disabled: {subscription.name}"[:500],
            occurred_at=now,
        )
    )
    principal = system_principal(subscription.tenant_id, "webhooks")
    gateway = gateway_of(container)
    for admin_id in WebhookRepository(uow.session).active_admin_ids(subscription.tenant_id):
        args: dict[str, Any] = {
            "user_id": admin_id,
            "title": f"Webhook 已停用 / Webhook disabled: {subscription.name}"[:300],
            "body": f"{subscription.url}\n{reason}\n"
            "修复接收端后重新启用 / Fix the receiver, then re-enable it.",
            "link": f"/api/v1/webhooks/{subscription.id}",
            "subject_type": "webhook",
            "subject_id": subscription.id,
        }
        result = gateway.execute(
            uow,
            principal,
            "users.notify",
            args,
            purpose=NOTICE_PURPOSE,
            idempotency_key=f"webhook-disabled:{subscription.id}:{subscription.version}:{admin_id}",
        )
        if result.status != "executed":
            log.warning("could not notify %s of a disabled webhook: %s", admin_id, result.reason)
