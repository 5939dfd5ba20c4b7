"""Redis Streams bus for scale-out: one stream, one consumer group per consumer.

Every ``kith worker`` process joins each group as its own Redis consumer, so
the group spreads events over the workers. Entries stay pending until the
worker acknowledges them (XACK) after committing; entries a crashed worker
left pending are taken over by another worker with XAUTOCLAIM once they have
been idle for ``reclaim_after`` seconds.

Redis must persist the stream (AOF) for at-least-once delivery to survive a
Redis restart: the relay has already marked those events published.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Collection, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis

from kith.events.bus import BusClosed, Delivery, decode, encode
from kith.events.envelope import Envelope

STREAM = "kith:events"
FIELD = b"e"


class RedisStreamsBus:
    """``KITH_BUS_URL=redis://host:6379/0``; add ``?stream=NAME`` to keep several
    Kith installations apart on one Redis database."""

    @classmethod
    def from_url(cls, url: str, *, reclaim_after: float = 30.0) -> RedisStreamsBus:
        parts = urlsplit(url)
        query = parse_qsl(parts.query)
        stream = dict(query).get("stream", STREAM)
        rest = urlencode([(k, v) for k, v in query if k != "stream"])
        return cls(
            urlunsplit(parts._replace(query=rest)), stream=stream, reclaim_after=reclaim_after
        )

    def __init__(
        self,
        url: str,
        *,
        stream: str = STREAM,
        reclaim_after: float = 30.0,
    ) -> None:
        self.stream = stream
        self.reclaim_after = reclaim_after
        self._redis = redis.Redis.from_url(url)
        # Blocking reads get connections of their own, so close() can cut them
        # short without breaking an acknowledgement another thread is sending.
        self._reader = redis.Redis.from_url(url)
        self._closed = threading.Event()
        # Per group: where the next XAUTOCLAIM scan continues, and when it may run.
        self._claim_cursor: dict[str, bytes] = {}
        self._next_claim_scan: dict[str, float] = {}

    def prepare(self, groups: Collection[str]) -> None:
        for group in groups:
            try:
                # "$": a new group starts with events published from now on;
                # `kith events replay --consumer NAME` backfills older ones.
                self._redis.xgroup_create(self.stream, group, id="$", mkstream=True)
            except redis.ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    def publish(self, envelopes: Sequence[Envelope]) -> None:
        pipe = self._redis.pipeline(transaction=False)
        for envelope in envelopes:
            pipe.xadd(self.stream, {FIELD: encode(envelope)})
        pipe.execute()

    def receive(self, group: str, worker: str, max_count: int, timeout: float) -> list[Delivery]:
        if self._closed.is_set():
            raise BusClosed("redis bus closed")
        try:
            reclaimed = self._reclaim(group, worker, max_count)
            if reclaimed:
                return reclaimed
            response: Any = self._reader.xreadgroup(
                group,
                worker,
                {self.stream: ">"},
                count=max_count,
                block=max(1, int(timeout * 1000)),
            )
        except (redis.RedisError, OSError, ValueError, AttributeError):
            # close() pulls the socket from under a blocked read; what that raises
            # depends on the moment (connection error, bad descriptor, closed file,
            # a connection object whose socket is already gone).
            if self._closed.is_set():
                raise BusClosed("redis bus closed") from None
            raise
        return [_delivery(entry) for _stream, entries in response or [] for entry in entries]

    def ack(self, group: str, deliveries: Sequence[Delivery]) -> None:
        if deliveries:
            self._redis.xack(self.stream, group, *(d.token for d in deliveries))

    def compact(self) -> None:
        """Trim entries older than anything a group still has to read or acknowledge."""
        keep_from: list[bytes] = []
        for group in self._redis.xinfo_groups(self.stream):
            oldest = group["last-delivered-id"]
            if group["pending"]:
                # None if the entries were acknowledged since XINFO looked.
                oldest = self._redis.xpending(self.stream, group["name"])["min"] or oldest
            keep_from.append(oldest)
        if keep_from:
            oldest_needed = min(keep_from, key=_stream_id_key)
            self._redis.xtrim(self.stream, minid=oldest_needed, approximate=False)

    def close(self) -> None:
        self._closed.set()
        self._reader.connection_pool.disconnect()  # interrupts a blocked XREADGROUP
        self._redis.connection_pool.disconnect(inuse_connections=False)

    def _reclaim(self, group: str, worker: str, max_count: int) -> list[Delivery]:
        """Take over entries another worker left pending for longer than ``reclaim_after``."""
        now = time.monotonic()
        if now < self._next_claim_scan.get(group, 0.0):
            return []
        cursor = self._claim_cursor.get(group, b"0-0")
        next_cursor, entries, _deleted = self._redis.xautoclaim(
            self.stream,
            group,
            worker,
            min_idle_time=int(self.reclaim_after * 1000),
            start_id=cursor,
            count=max_count,
        )
        self._claim_cursor[group] = next_cursor
        if next_cursor in (b"0-0", "0-0"):
            # A full pass over the pending list: look again after a while.
            self._next_claim_scan[group] = now + min(self.reclaim_after, 5.0)
        return [_delivery(entry) for entry in entries]


def _delivery(entry: Any) -> Delivery:
    entry_id, fields = entry
    token = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
    return Delivery(decode(fields[FIELD]), token)


def _stream_id_key(entry_id: bytes | str) -> tuple[int, int]:
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    millis, _, sequence = text.partition("-")
    return int(millis), int(sequence or 0)
