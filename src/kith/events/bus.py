"""The bus seam: what the relay publishes to and what consumers receive from.

Two backends implement it today: ``InProcessBus`` (embedded mode, the default)
and ``RedisStreamsBus`` (scale-out, ``KITH_BUS_URL=redis://...``). NATS
JetStream fits the same shape when it is added: ``prepare`` creates a durable
pull consumer per group on a stream bound to ``kith.events.>``, ``publish``
waits for each PubAck, ``receive`` is a pull fetch, ``ack`` acks the messages,
redelivery of a crashed worker's messages is JetStream's own (AckWait), and
``compact`` has nothing to do under an interest-based retention policy.

Delivery is at least once on every backend; exactly-once *effects* come from
the consumer framework's idempotency marks (``kith.events.delivery``).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from kith.events.envelope import Envelope


class BusClosed(Exception):
    """The bus was closed while a call waited on it; nothing was acknowledged."""


@dataclass(frozen=True)
class Delivery:
    """One envelope handed to one consumer group; ``token`` identifies it for ``ack``."""

    envelope: Envelope
    token: str


class Bus(Protocol):
    def prepare(self, groups: Collection[str]) -> None:
        """Create the consumer groups before anything is published, so no group misses
        an event published between start-up and its first ``receive``."""

    def publish(self, envelopes: Sequence[Envelope]) -> None:
        """Return only once every envelope is durable on the bus; the relay marks
        the outbox rows published afterwards (a crash in between republishes)."""

    def receive(self, group: str, worker: str, max_count: int, timeout: float) -> list[Delivery]:
        """Up to ``max_count`` deliveries for the group, waiting at most ``timeout``
        seconds; includes deliveries a crashed worker left unacknowledged."""

    def ack(self, group: str, deliveries: Sequence[Delivery]) -> None:
        """The group is done with these deliveries (effects committed or failure recorded)."""

    def compact(self) -> None:
        """Drop what every group has acknowledged (brokers that keep a log)."""

    def close(self) -> None:
        """Wake every blocked call (it raises ``BusClosed``) and release connections."""


def encode(envelope: Envelope) -> bytes:
    return json.dumps(
        {
            "seq": envelope.seq,
            "event_id": envelope.event_id,
            "tenant_id": envelope.tenant_id,
            "type": envelope.type,
            "subject_type": envelope.subject_type,
            "subject_id": envelope.subject_id,
            "actor_kind": envelope.actor_kind,
            "actor_id": envelope.actor_id,
            "occurred_at": envelope.occurred_at.isoformat(),
            "payload": envelope.payload,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


def decode(data: bytes) -> Envelope:
    fields = json.loads(data)
    fields["occurred_at"] = datetime.fromisoformat(fields["occurred_at"])
    return Envelope(**fields)
