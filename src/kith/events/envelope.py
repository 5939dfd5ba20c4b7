"""What travels on the bus: a committed domain event, as the outbox stored it.

Contract shared by the relay, the bus backends, the consumers and the agents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from kith.db.uow import UnitOfWork
from kith.events.models import OutboxEvent


@dataclass(frozen=True)
class Envelope:
    seq: int
    event_id: str
    tenant_id: str
    type: str
    subject_type: str
    subject_id: str
    actor_kind: str
    actor_id: str | None
    occurred_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_outbox(cls, row: OutboxEvent) -> Envelope:
        return cls(
            seq=row.seq,
            event_id=row.event_id,
            tenant_id=row.tenant_id,
            type=row.type,
            subject_type=row.subject_type,
            subject_id=row.subject_id,
            actor_kind=row.actor_kind,
            actor_id=row.actor_id,
            occurred_at=row.occurred_at,
            payload=dict(row.payload or {}),
        )


class Consumer(Protocol):
    """A named subscriber. ``handle`` runs inside a unit of work that the consumer
    framework commits together with the (consumer, event_id) idempotency mark, so
    an event's effects are applied exactly once even though delivery is at least
    once. Raising means: retry with backoff, dead-letter after N attempts."""

    name: str
    event_types: frozenset[str] | None  # None: every event type

    def handle(self, envelope: Envelope, uow: UnitOfWork) -> None: ...
