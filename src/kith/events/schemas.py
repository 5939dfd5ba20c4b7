"""Pydantic schemas of the events context's API: the outbox as operators read it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class OutboxEventOut(BaseModel):
    seq: int
    event_id: str
    type: str
    subject_type: str
    subject_id: str
    actor_kind: str
    actor_id: str | None
    payload: dict[str, Any]
    occurred_at: datetime
    published_at: datetime | None


class OutboxPage(BaseModel):
    items: list[OutboxEventOut]
    next_after_seq: int | None


class EventDescription(BaseModel):
    en: str
    zh: str


class EventTypeOut(BaseModel):
    """One registered event type (``kith.core.event_types``): who emits it, what it means
    and, where the payload is stable, its JSON Schema."""

    type: str
    subject: str
    producer: str
    description: EventDescription
    payload_schema: dict[str, Any] | None = None


class EventCatalogue(BaseModel):
    items: list[EventTypeOut]
