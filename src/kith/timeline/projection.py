"""Projecting committed events onto the timeline, in the transaction of the change
(an event writer of the unit of work, installed by ``kith.bootstrap.wire``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from kith.core.domain import DomainEvent
from kith.core.ids import new_id
from kith.timeline.models import TimelineEntry


def project(session: Session, events: Sequence[DomainEvent]) -> None:
    session.execute(insert(TimelineEntry), [_timeline_row(e) for e in events])


def _timeline_row(event: DomainEvent) -> dict[str, Any]:
    return {
        "id": new_id(),
        "tenant_id": event.tenant_id,
        "event_id": event.id,
        "event_type": event.type,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "account_id": event.account_id,
        "contact_id": event.contact_id,
        "actor_kind": event.actor.kind,
        "actor_id": event.actor.id,
        "actor_name": event.actor.name,
        "summary": event.summary,
        "payload": event.payload,
        "occurred_at": event.occurred_at,
    }
