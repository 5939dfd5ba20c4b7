"""Use cases of the events context: the operator's tools over delivery (replay, dead
letters, re-queue, reading the outbox). Accepting inbound events creates CRM records,
so it is a crm use case (``kith.crm.inbound``).

Like every service, these never commit; the entry point does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from kith.access import policy
from kith.access.principal import Principal
from kith.core.clock import utcnow
from kith.core.errors import Conflict, NotFound
from kith.db.uow import UnitOfWork
from kith.events.envelope import Consumer
from kith.events.models import OutboxEvent
from kith.events.repository import EventRepository


def replay(
    uow: UnitOfWork,
    consumers: Sequence[Consumer],
    since: datetime,
    event_type: str | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> dict[str, int]:
    """Deliver the events since ``since`` to each consumer again: its idempotency
    marks for them are removed and a delivery is scheduled now, which the
    consumer's retry path runs in ``seq`` order. Returns events per consumer."""
    repo = EventRepository(uow.session)
    scheduled: dict[str, int] = {}
    for consumer in consumers:
        types = _replayed_types(consumer.event_types, event_type)
        event_ids = repo.event_ids_since(since, types)
        repo.forget_consumed(consumer.name, event_ids)
        repo.requeue(consumer.name, event_ids, clock())
        scheduled[consumer.name] = len(event_ids)
    return scheduled


def _replayed_types(subscribed: frozenset[str] | None, wanted: str | None) -> set[str] | None:
    if wanted is None:
        return None if subscribed is None else set(subscribed)
    return {wanted} if subscribed is None or wanted in subscribed else set()


def dead_letters(
    uow: UnitOfWork, consumer: str | None = None, include_requeued: bool = False
) -> list[dict[str, Any]]:
    return [
        {
            "id": letter.id,
            "consumer": letter.consumer,
            "event_id": letter.event_id,
            "event_type": event_type,
            "seq": seq,
            "reason": letter.reason,
            "attempts": letter.attempts,
            "last_error": letter.last_error,
            "failed_at": letter.failed_at,
            "requeued_at": letter.requeued_at,
        }
        for letter, event_type, seq in EventRepository(uow.session).dead_letters(
            consumer, include_requeued
        )
    ]


def requeue_dead_letter(
    uow: UnitOfWork, dead_letter_id: str, clock: Callable[[], datetime] = utcnow
) -> dict[str, Any]:
    """Give a dead-lettered event a fresh set of attempts, starting now."""
    repo = EventRepository(uow.session)
    letter = repo.dead_letter(dead_letter_id)
    if letter is None:
        raise NotFound(f"dead letter {dead_letter_id} not found")
    if letter.requeued_at is not None:
        raise Conflict(
            f"dead letter {dead_letter_id} was already re-queued at {letter.requeued_at}"
        )
    repo.requeue(letter.consumer, [letter.event_id], clock())
    return {"id": letter.id, "consumer": letter.consumer, "event_id": letter.event_id}


def outbox_page(
    uow: UnitOfWork,
    principal: Principal,
    after_seq: int = 0,
    limit: int = 100,
    event_type: str | None = None,
) -> Sequence[OutboxEvent]:
    """The workspace's committed events after ``after_seq``; reading them is an admin right."""
    policy.require(principal, "event", "read")
    return EventRepository(uow.session).outbox_page(
        after_seq, limit, event_type, principal.tenant_id
    )
