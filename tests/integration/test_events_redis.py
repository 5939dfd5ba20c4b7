"""The Redis Streams bus (broker lane): groups, acknowledgement, taking over a crashed
worker's entries, trimming, and the runtime spread over two workers."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
import redis

from kith.container import Container
from kith.events.bus import BusClosed
from kith.events.envelope import Envelope
from kith.events.models import ConsumedEvent, OutboxEvent
from kith.events.redis_bus import RedisStreamsBus
from kith.events.runtime import EventRuntime, RuntimeOptions
from tests.integration.test_events_runtime import (
    FAST,
    RecordingConsumer,
    applied,
    commit_events,
    count,
    effects,
    kith_threads,
    wait_until,
)

pytestmark = pytest.mark.broker
REDIS_URL = os.environ.get("KITH_TEST_REDIS_URL")


@pytest.fixture
def stream_url() -> Iterator[str]:
    """A Redis URL naming a stream of this test's own, deleted afterwards."""
    if not REDIS_URL:
        pytest.skip("KITH_TEST_REDIS_URL not set (the broker lane sets it)")
    stream = f"kith:test:{uuid.uuid4().hex[:8]}"
    yield f"{REDIS_URL}?stream={stream}"
    redis.Redis.from_url(REDIS_URL).delete(stream)


@pytest.fixture
def open_bus(stream_url: str) -> Iterator[Callable[..., RedisStreamsBus]]:
    buses: list[RedisStreamsBus] = []

    def open_(reclaim_after: float = 30.0) -> RedisStreamsBus:
        bus = RedisStreamsBus.from_url(stream_url, reclaim_after=reclaim_after)
        buses.append(bus)
        return bus

    yield open_
    for bus in buses:
        bus.close()


def envelope(seq: int) -> Envelope:
    return Envelope(
        seq=seq,
        event_id=f"{seq:032x}",
        tenant_id="t" * 32,
        type="ticket.created",
        subject_type="ticket",
        subject_id="s" * 32,
        actor_kind="user",
        actor_id="u" * 32,
        occurred_at=datetime(2026, 11, 21, 8, 30, tzinfo=UTC),
        payload={"record": {"subject": "冬季续航缩水严重"}},
    )


def test_each_group_receives_every_event_published_after_it_exists(
    open_bus: Callable[..., RedisStreamsBus],
) -> None:
    bus = open_bus()
    bus.prepare(["agents", "audit"])
    bus.publish([envelope(1), envelope(2)])

    for group in ("agents", "audit"):
        deliveries = bus.receive(group, "w1", 10, 0.5)
        assert [d.envelope for d in deliveries] == [envelope(1), envelope(2)]
        bus.ack(group, deliveries)
        assert bus.receive(group, "w1", 10, 0.05) == []


def test_another_worker_takes_over_what_a_crashed_worker_left_unacknowledged(
    open_bus: Callable[..., RedisStreamsBus],
) -> None:
    crashed, survivor = open_bus(reclaim_after=0.2), open_bus(reclaim_after=0.2)
    crashed.prepare(["agents"])
    crashed.publish([envelope(1), envelope(2), envelope(3)])
    taken = crashed.receive("agents", "crashed", 2, 0.5)
    crashed.ack("agents", taken[:1])  # it dies before acknowledging the second one

    first = survivor.receive("agents", "survivor", 10, 0.5)
    assert [d.envelope.seq for d in first] == [3]  # new entries; the pending one is not idle yet
    survivor.ack("agents", first)
    time.sleep(0.3)
    reclaimed = survivor.receive("agents", "survivor", 10, 0.5)
    assert [d.envelope.seq for d in reclaimed] == [2]


def test_compaction_keeps_what_some_group_still_needs(
    open_bus: Callable[..., RedisStreamsBus], stream_url: str
) -> None:
    bus = open_bus()
    bus.prepare(["fast", "slow"])
    bus.publish([envelope(n) for n in range(1, 6)])
    bus.ack("fast", bus.receive("fast", "w", 10, 0.5))
    slow = bus.receive("slow", "w", 10, 0.5)
    bus.ack("slow", slow[:3])

    bus.compact()

    stream = stream_url.rsplit("stream=", 1)[1]
    remaining = redis.Redis.from_url(REDIS_URL or "").xrange(stream)
    assert len(remaining) == 2  # the two "slow" has not acknowledged


def test_close_interrupts_a_blocked_receive(open_bus: Callable[..., RedisStreamsBus]) -> None:
    bus = open_bus()
    bus.prepare(["agents"])
    outcome: list[BaseException] = []

    def receive() -> None:
        try:
            bus.receive("agents", "w", 10, 30.0)
        except BusClosed as exc:
            outcome.append(exc)

    thread = threading.Thread(target=receive)
    thread.start()
    time.sleep(0.2)
    started = time.monotonic()
    bus.close()
    thread.join(5)
    assert outcome and time.monotonic() - started < 5


def test_two_workers_share_a_consumer_and_apply_every_event_once(
    container: Container, stream_url: str
) -> None:
    effects.create(container.engine)
    runtimes = [
        EventRuntime(
            container,
            RedisStreamsBus.from_url(stream_url),
            [RecordingConsumer()],
            RuntimeOptions(
                worker=f"worker-{n}",
                idle_wait=FAST.idle_wait,
                poll_interval=FAST.poll_interval,
                retry_poll=FAST.retry_poll,
                retry=FAST.retry,
            ),
        )
        for n in range(2)
    ]
    for runtime in runtimes:
        runtime.start()
    try:
        committed = [e for _ in range(10) for e in commit_events(container, 30)]
        wait_until(lambda: len(applied(container)) == len(committed))
        wait_until(lambda: count(container, OutboxEvent, OutboxEvent.published_at.is_(None)) == 0)
    finally:
        for runtime in runtimes:
            runtime.stop()
    assert sorted(applied(container)) == sorted(committed)
    assert count(container, ConsumedEvent) == len(committed)
    assert kith_threads() == []
