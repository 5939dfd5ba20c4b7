"""The API's view of subscriptions and deliveries (HTTP and CLI share it)."""

from __future__ import annotations

from typing import Any

from kith.platform.models import WebhookDelivery, WebhookSubscription
from kith.platform.schemas import AttemptOut, DeliveryOut, WebhookOut
from kith.platform.service import WebhookService


def webhook_out(service: WebhookService, row: WebhookSubscription) -> WebhookOut:
    return WebhookOut(
        id=row.id,
        name=row.name,
        url=row.url,
        event_types=list(row.event_types),
        filter=row.filter,
        owner_id=row.owner_id,
        active=row.active,
        disabled_reason=row.disabled_reason,
        disabled_at=row.disabled_at,
        consecutive_failures=row.consecutive_failures,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
        deliveries=service.counts(row.id),
    )


def delivery_out(row: WebhookDelivery, attempts: list[Any]) -> DeliveryOut:
    return DeliveryOut(
        id=row.id,
        subscription_id=row.subscription_id,
        event_id=row.event_id,
        event_type=row.event_type,
        seq=row.seq,
        status=row.status,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_status_code=row.last_status_code,
        last_error=row.last_error,
        created_at=row.created_at,
        delivered_at=row.delivered_at,
        body=row.body,
        attempt_log=[AttemptOut.model_validate(a, from_attributes=True) for a in attempts],
    )
