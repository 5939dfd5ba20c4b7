"""Writing committed events to the outbox: the unit of work's first event writer
(installed by ``kith.bootstrap.wire``), in the transaction of the change."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from kith.core.domain import DomainEvent
from kith.events.models import OutboxEvent


def write_outbox(session: Session, events: Sequence[DomainEvent]) -> None:
    # Core bulk inserts: an import of 100k rows emits 100k events.
    session.execute(insert(OutboxEvent), [_outbox_row(e) for e in events])


def _outbox_row(event: DomainEvent) -> dict[str, Any]:
    return {
        "event_id": event.id,
        "tenant_id": event.tenant_id,
        "type": event.type,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "actor_kind": event.actor.kind,
        "actor_id": event.actor.id,
        "payload": event.payload,
        "occurred_at": event.occurred_at,
    }
