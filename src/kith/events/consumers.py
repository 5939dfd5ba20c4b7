"""The consumer registry: which consumers the embedded runtime and workers run.

A package contributes a consumer by registering a factory, either in code::

    from kith.events.consumers import register_consumer_factory
    register_consumer_factory(lambda container: AgentsConsumer(container))

(the module must be imported before the runtime starts), or, for a separately
installed package, through the ``kith.consumers`` entry-point group, whose
entries name such a factory. Factories receive the container, so a consumer
can open its own units of work or read settings.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from importlib.metadata import entry_points

from kith.container import Container
from kith.events.envelope import Consumer

ConsumerFactory = Callable[[Container], Consumer]
ENTRY_POINT_GROUP = "kith.consumers"
MAX_NAME_LENGTH = 64  # consumed_events.consumer

_factories: list[ConsumerFactory] = []


def register_consumer_factory(factory: ConsumerFactory) -> None:
    if factory not in _factories:
        _factories.append(factory)


def build_consumers(container: Container, names: Collection[str] = ()) -> list[Consumer]:
    """Every registered consumer, or only those named; names must be unique."""
    consumers = [factory(container) for factory in _all_factories()]
    by_name: dict[str, Consumer] = {}
    for consumer in consumers:
        if consumer.name in by_name:
            raise ValueError(f"two consumers are named {consumer.name!r}")
        if not consumer.name or len(consumer.name) > MAX_NAME_LENGTH:
            raise ValueError(f"consumer name {consumer.name!r} must be 1-64 characters")
        by_name[consumer.name] = consumer
    unknown = sorted(set(names) - set(by_name))
    if unknown:
        known = ", ".join(sorted(by_name)) or "none"
        raise ValueError(f"unknown consumer(s) {', '.join(unknown)}; registered: {known}")
    return [c for c in consumers if not names or c.name in names]


def _all_factories() -> list[ConsumerFactory]:
    installed = [entry.load() for entry in entry_points(group=ENTRY_POINT_GROUP)]
    return _factories + [f for f in installed if f not in _factories]
