"""Domain events: small typed facts that services append to the unit of work.

Defined in ``kith.core.domain`` (the unit of work and access speak them too) with their
types registered in ``kith.core.event_types``; this is the name producers and consumers
import them by.
"""

from kith.core.domain import Actor, ActorKind, DomainEvent
from kith.core.event_types import CATALOG, EventType, EventTypeInfo, event_type, record_event

__all__ = [
    "CATALOG",
    "Actor",
    "ActorKind",
    "DomainEvent",
    "EventType",
    "EventTypeInfo",
    "event_type",
    "record_event",
]
