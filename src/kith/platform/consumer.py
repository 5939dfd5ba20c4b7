"""The ``webhooks`` consumer: turns each committed event into one queued delivery per
matching subscription, in the same transaction as the consumer's idempotency mark (so
an event is queued exactly once per subscription, even when the bus redelivers it).
Sending is the dispatcher's job; the consumer starts and stops it with the runtime."""

from __future__ import annotations

import time
from typing import Any

from kith.access.principal import Principal
from kith.access.service import principal_for_user
from kith.container import Container
from kith.core.expressions import CompiledExpression
from kith.db.uow import UnitOfWork
from kith.events.envelope import Envelope
from kith.platform import payloads
from kith.platform.dispatcher import WAKE_FLAG, Dispatcher
from kith.platform.models import WebhookDelivery
from kith.platform.repository import WebhookRepository

CONSUMER_NAME = "webhooks"
PRINCIPAL_TTL = 5.0  # seconds an owner's rights are cached (role edits apply after this)


class WebhooksConsumer:
    name = CONSUMER_NAME
    event_types: frozenset[str] | None = None  # every type; subscriptions choose

    def __init__(self, container: Container) -> None:
        self.container = container
        self.dispatcher = Dispatcher(container)
        self._principals: dict[tuple[str, str], tuple[float, Principal | None]] = {}
        self._filters: dict[str, CompiledExpression] = {}

    def start(self) -> None:
        self.dispatcher.start()

    def close(self) -> None:
        self.dispatcher.stop()

    def handle(self, envelope: Envelope, uow: UnitOfWork) -> None:
        repo = WebhookRepository(uow.session)
        queued = False
        for subscription in repo.active_subscriptions(envelope.tenant_id):
            if not payloads.subscribes(subscription.event_types, envelope.type):
                continue
            owner = self._owner(uow, envelope.tenant_id, subscription.owner_id)
            if owner is None:
                continue
            data = payloads.visible_data(uow, owner, envelope)
            if data is None:
                continue
            body = payloads.event_body(envelope, data)
            if not payloads.passes(self._filter(subscription.filter), body):
                continue
            uow.session.add(
                WebhookDelivery(
                    tenant_id=envelope.tenant_id,
                    subscription_id=subscription.id,
                    event_id=envelope.event_id,
                    event_type=envelope.type,
                    seq=envelope.seq,
                    subject_key=f"{envelope.subject_type}:{envelope.subject_id}"[:160],
                    body=body,
                    next_attempt_at=self.container.clock(),
                )
            )
            queued = True
        if queued:
            uow.session.info[WAKE_FLAG] = True

    def _owner(self, uow: UnitOfWork, tenant_id: str, user_id: str) -> Principal | None:
        key = (tenant_id, user_id)
        cached = self._principals.get(key)
        now = time.monotonic()
        if cached is not None and cached[0] > now:
            return cached[1]
        user = WebhookRepository(uow.session).user(tenant_id, user_id)
        principal = (
            principal_for_user(uow.session, user) if user is not None and user.is_active else None
        )
        self._principals[key] = (now + PRINCIPAL_TTL, principal)
        return principal

    def _filter(self, source: str | None) -> CompiledExpression | None:
        if not source:
            return None
        compiled = self._filters.get(source)
        if compiled is None:
            compiled = payloads.compile_filter(source)
            self._filters[source] = compiled
        return compiled


def webhooks_consumer(container: Container) -> Any:
    return WebhooksConsumer(container)
