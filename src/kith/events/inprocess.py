"""The in-process bus of embedded mode: one queue per consumer group, in memory.

Memory does not survive a crash, so ``publish`` returns only when every group
has acknowledged every envelope, i.e. when each consumer has committed its
effects (or recorded the failure) in the database. The relay marks outbox rows
published after that, so an event is never marked published while it exists
only in this process. The price: in embedded mode the relay advances at the
pace of the slowest consumer; scale-out mode (a broker) decouples them.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter, deque
from collections.abc import Collection, Sequence

from kith.events.bus import BusClosed, Delivery
from kith.events.envelope import Envelope


class InProcessBus:
    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._queues: dict[str, deque[Delivery]] = {}
        self._unacked: set[tuple[str, str]] = set()
        self._remaining: Counter[int] = Counter()
        self._batches = itertools.count(1)
        self._closed = False

    def prepare(self, groups: Collection[str]) -> None:
        with self._changed:
            for group in groups:
                self._queues.setdefault(group, deque())

    def publish(self, envelopes: Sequence[Envelope]) -> None:
        with self._changed:
            self._raise_if_closed()
            batch = next(self._batches)
            for group, queue in self._queues.items():
                for index, envelope in enumerate(envelopes):
                    token = f"{batch}:{index}"
                    queue.append(Delivery(envelope, token))
                    self._unacked.add((group, token))
            self._remaining[batch] = len(envelopes) * len(self._queues)
            self._changed.notify_all()
            while self._remaining[batch] > 0 and not self._closed:
                self._changed.wait()
            del self._remaining[batch]
            self._raise_if_closed()

    def receive(self, group: str, worker: str, max_count: int, timeout: float) -> list[Delivery]:
        deadline = time.monotonic() + timeout
        with self._changed:
            queue = self._queues[group]
            while not queue:
                self._raise_if_closed()
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return []
                self._changed.wait(remaining)
            self._raise_if_closed()
            return [queue.popleft() for _ in range(min(max_count, len(queue)))]

    def ack(self, group: str, deliveries: Sequence[Delivery]) -> None:
        with self._changed:
            for delivery in deliveries:
                key = (group, delivery.token)
                if key in self._unacked:
                    self._unacked.remove(key)
                    self._remaining[_batch_of(delivery)] -= 1
            self._changed.notify_all()

    def compact(self) -> None:
        """Acknowledged deliveries are already gone from memory."""

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def _raise_if_closed(self) -> None:
        if self._closed:
            raise BusClosed("in-process bus closed")


def _batch_of(delivery: Delivery) -> int:
    return int(delivery.token.split(":", 1)[0])
