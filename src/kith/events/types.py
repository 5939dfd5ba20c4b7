"""Domain events: small typed facts that services append to the unit of work.

Defined in ``kith.core.domain`` (the unit of work and access speak them too); this is
the name producers and consumers import them by.
"""

from kith.core.domain import Actor, ActorKind, DomainEvent

__all__ = ["Actor", "ActorKind", "DomainEvent"]
