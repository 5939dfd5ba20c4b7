"""Use cases of webhook subscriptions: create (the secret is shown once), change,
pause or re-enable, delete, rotate the secret, list deliveries with their attempts,
redeliver one, queue a test send. Administrators (the ``webhook`` grant) manage them;
the creator becomes the owner whose rights shape the payloads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from kith.access import policy
from kith.access.principal import Principal
from kith.core.domain import DomainEvent
from kith.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from kith.core.event_types import EventType
from kith.core.ids import new_id
from kith.db.uow import UnitOfWork
from kith.platform import payloads, signing
from kith.platform.delivery import TEST
from kith.platform.models import WebhookDelivery, WebhookSubscription
from kith.platform.repository import WebhookRepository
from kith.platform.schemas import WebhookIn, WebhookPatch
from kith.platform.sender import check_url

OBJECT = "webhook"
MAX_PER_TENANT = 100


class WebhookService:
    def __init__(
        self, uow: UnitOfWork, principal: Principal, clock: Callable[[], datetime]
    ) -> None:
        self.uow = uow
        self.principal = principal
        self.clock = clock
        self.repo = WebhookRepository(uow.session)

    # --- subscriptions -------------------------------------------------------------------

    def create(self, data: WebhookIn) -> tuple[WebhookSubscription, str]:
        policy.require(self.principal, OBJECT, "create")
        if not self.principal.user_id:
            raise ValidationFailed(
                "a webhook needs an owner", [FieldError(["body"], "create it as a user or API key")]
            )
        if len(self.repo.subscriptions(self.principal.tenant_id)) >= MAX_PER_TENANT:
            raise Conflict(f"a workspace has at most {MAX_PER_TENANT} webhook subscriptions")
        url = check_url(data.url)
        types = payloads.check_event_types(data.event_types)
        filter_ = self._filter(data.filter)
        now = self.clock()
        secret = signing.new_secret()
        row = WebhookSubscription(
            id=new_id(),
            tenant_id=self.principal.tenant_id,
            name=data.name,
            url=url,
            event_types=types,
            filter=filter_,
            secret=secret,
            owner_id=self.principal.user_id,
            active=data.active,
            consecutive_failures=0,
            version=1,
            created_at=now,
            updated_at=now,
        )
        self.uow.session.add(row)
        self._emit(
            EventType.WEBHOOK_CREATED,
            row,
            {"name": row.name, "url": url, "event_types": types, "filter": filter_},
        )
        return row, secret

    def subscriptions(self) -> list[WebhookSubscription]:
        policy.require(self.principal, OBJECT, "read")
        return list(self.repo.subscriptions(self.principal.tenant_id))

    def get(self, subscription_id: str) -> WebhookSubscription:
        policy.require(self.principal, OBJECT, "read")
        row = self.repo.subscription(self.principal.tenant_id, subscription_id)
        if row is None:
            raise NotFound("webhook subscription not found")
        return row

    def update(self, subscription_id: str, patch: WebhookPatch) -> WebhookSubscription:
        policy.require(self.principal, OBJECT, "update")
        row = self.get(subscription_id)
        if patch.version != row.version:
            raise Conflict(f"the subscription changed meanwhile (version {row.version})")
        given = patch.model_dump(exclude_unset=True, exclude={"version"})
        changes: dict[str, Any] = {}
        if "name" in given and patch.name is not None:
            changes["name"] = patch.name
        if "url" in given and patch.url is not None:
            changes["url"] = check_url(patch.url)
        if "event_types" in given and patch.event_types is not None:
            changes["event_types"] = payloads.check_event_types(patch.event_types)
        if "filter" in given:
            changes["filter"] = self._filter(patch.filter)
        if "active" in given and patch.active is not None:
            changes["active"] = patch.active
            if patch.active:
                row.consecutive_failures = 0
                row.disabled_reason = None
                row.disabled_at = None
        for key, value in changes.items():
            setattr(row, key, value)
        row.version += 1
        row.updated_at = self.clock()
        self._emit(EventType.WEBHOOK_UPDATED, row, {"changes": sorted(changes)})
        return row

    def delete(self, subscription_id: str) -> None:
        policy.require(self.principal, OBJECT, "delete")
        row = self.get(subscription_id)
        row.deleted_at = self.clock()
        row.active = False
        row.version += 1
        self._emit(EventType.WEBHOOK_DELETED, row, {"name": row.name})

    def rotate_secret(self, subscription_id: str) -> tuple[WebhookSubscription, str]:
        policy.require(self.principal, OBJECT, "update")
        row = self.get(subscription_id)
        secret = signing.new_secret()
        row.secret = secret
        row.version += 1
        row.updated_at = self.clock()
        self._emit(EventType.WEBHOOK_UPDATED, row, {"changes": ["secret"]})
        return row, secret

    # --- deliveries ----------------------------------------------------------------------

    def deliveries(
        self, subscription_id: str, status: str | None, limit: int, before_seq: int | None
    ) -> list[WebhookDelivery]:
        row = self.get(subscription_id)
        return list(
            self.repo.deliveries(self.principal.tenant_id, row.id, status, limit, before_seq)
        )

    def delivery(self, delivery_id: str) -> WebhookDelivery:
        policy.require(self.principal, OBJECT, "read")
        row = self.repo.delivery(self.principal.tenant_id, delivery_id)
        if row is None or self.repo.subscription(row.tenant_id, row.subscription_id) is None:
            raise NotFound("webhook delivery not found")
        return row

    def redeliver(self, delivery_id: str) -> WebhookDelivery:
        """Queue a delivery again now (whatever its status); the next attempt is numbered
        after the earlier ones, with the same event id."""
        policy.require(self.principal, OBJECT, "update")
        row = self.delivery(delivery_id)
        if row.status == TEST:
            raise Conflict("a test send is being sent; send another test instead")
        leased = row.lease_until is not None and row.lease_until >= self.clock()
        if row.status == "pending" and leased:
            raise Conflict("this delivery is being sent right now")
        row.status = "pending"
        row.next_attempt_at = self.clock()
        row.lease_until = None
        subscription = self.get(row.subscription_id)
        self._emit(
            EventType.WEBHOOK_REDELIVERY_REQUESTED,
            subscription,
            {"delivery_id": row.id, "event_id": row.event_id},
        )
        return row

    def queue_test(self, subscription_id: str) -> WebhookDelivery:
        policy.require(self.principal, OBJECT, "update")
        subscription = self.get(subscription_id)
        now = self.clock()
        event_id = new_id()
        row = WebhookDelivery(
            id=new_id(),
            tenant_id=subscription.tenant_id,
            subscription_id=subscription.id,
            event_id=event_id,
            event_type=payloads.TEST_EVENT_TYPE,
            seq=0,
            subject_key=f"webhook:{subscription.id}",
            body=payloads.test_body(event_id, subscription.tenant_id, subscription.id, now),
            status=TEST,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        self.uow.session.add(row)
        return row

    def attempts_of(self, deliveries: list[WebhookDelivery]) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {d.id: [] for d in deliveries}
        for attempt in self.repo.attempts([d.id for d in deliveries]):
            out[attempt.delivery_id].append(attempt)
        return out

    def counts(self, subscription_id: str) -> dict[str, int]:
        return self.repo.status_counts(subscription_id)

    # --- helpers -------------------------------------------------------------------------

    def _filter(self, source: str | None) -> str | None:
        if source is None or not source.strip():
            return None
        payloads.compile_filter(source)
        return source

    def _emit(self, type_: EventType, row: WebhookSubscription, payload: dict[str, Any]) -> None:
        self.uow.emit(
            DomainEvent(
                type=type_,
                tenant_id=row.tenant_id,
                subject_type=OBJECT,
                subject_id=row.id,
                actor=self.principal.actor,
                payload={"version": row.version, **payload},
                summary=f"{type_.value}: {row.name}"[:500],
                occurred_at=self.clock(),
            )
        )
