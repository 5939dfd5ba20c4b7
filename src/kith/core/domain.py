"""Domain events and actors: small typed facts that services append to the unit of work,
and who caused them. They are the vocabulary of every layer (the unit of work, access,
audit, the timeline), so they live in core; ``kith.events.types`` is their public name."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from kith.core.clock import utcnow
from kith.core.event_types import EventType, event_type
from kith.core.ids import new_id

ActorKind = Literal["user", "agent", "api_key", "system"]


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    id: str | None
    name: str | None = None

    @classmethod
    def system(cls) -> Actor:
        return cls("system", None, "system")


@dataclass(frozen=True)
class DomainEvent:
    """``type`` is one of the registered ``EventType`` constants (``kith.core.event_types``),
    stored as its stable string such as ``contact.created`` or ``deal.stage_changed``; a
    string is accepted and checked against the registry (ValueError if unknown).

    ``subject_*`` name the record the event is about; ``account_id`` and
    ``contact_id`` tie it to a customer so per-customer timelines are one query.
    """

    type: EventType
    tenant_id: str
    subject_type: str
    subject_id: str
    actor: Actor
    payload: dict[str, Any] = field(default_factory=dict)
    account_id: str | None = None
    contact_id: str | None = None
    summary: str | None = None
    id: str = field(default_factory=new_id)
    occurred_at: datetime = field(default_factory=utcnow)

    def __post_init__(self) -> None:
        if not isinstance(self.type, EventType):
            object.__setattr__(self, "type", event_type(self.type))
