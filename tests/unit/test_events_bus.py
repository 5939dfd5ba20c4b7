"""The in-process bus, the envelope codec, retry delays and bus configuration (no database)."""

from __future__ import annotations

import contextlib
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from kith.core.settings import Settings
from kith.events.bus import BusClosed, decode, encode
from kith.events.bus_factory import bus_from_settings
from kith.events.delivery import RetryPolicy
from kith.events.envelope import Envelope
from kith.events.inprocess import InProcessBus
from kith.events.redis_bus import STREAM, RedisStreamsBus
from kith.runtime import _redacted


def envelope(seq: int) -> Envelope:
    return Envelope(
        seq=seq,
        event_id=f"{seq:032x}",
        tenant_id="t" * 32,
        type="interaction.received",
        subject_type="interaction",
        subject_id="s" * 32,
        actor_kind="api_key",
        actor_id=None,
        occurred_at=datetime(2026, 11, 21, 8, 30, tzinfo=UTC),
        payload={"record": {"text": "物流延迟", "meta": {"n": 1.5}}},
    )


def publish_in_background(bus: InProcessBus, envelopes: list[Envelope]) -> threading.Thread:
    def publish() -> None:
        with contextlib.suppress(BusClosed):  # a test may close the bus before acknowledging
            bus.publish(envelopes)

    thread = threading.Thread(target=publish, daemon=True)
    thread.start()
    return thread


def test_an_envelope_survives_the_wire_unchanged() -> None:
    assert decode(encode(envelope(7))) == envelope(7)


def test_publish_returns_only_when_every_group_has_acknowledged() -> None:
    bus = InProcessBus()
    bus.prepare(["agents", "audit"])
    publisher = publish_in_background(bus, [envelope(1), envelope(2)])

    agents = bus.receive("agents", "w", 10, 1.0)
    audit = bus.receive("audit", "w", 10, 1.0)
    assert [d.envelope.seq for d in agents] == [d.envelope.seq for d in audit] == [1, 2]
    bus.ack("agents", agents)
    publisher.join(0.1)
    assert publisher.is_alive(), "published before the audit group was done"

    bus.ack("audit", audit)
    publisher.join(2)
    assert not publisher.is_alive()


def test_acknowledging_twice_counts_once() -> None:
    bus = InProcessBus()
    bus.prepare(["a"])
    publisher = publish_in_background(bus, [envelope(1), envelope(2)])
    first, second = bus.receive("a", "w", 10, 1.0)
    bus.ack("a", [first])
    bus.ack("a", [first])
    publisher.join(0.1)
    assert publisher.is_alive()
    bus.ack("a", [second])
    publisher.join(2)
    assert not publisher.is_alive()


def test_receive_gives_up_after_its_timeout_and_honours_max_count() -> None:
    bus = InProcessBus()
    bus.prepare(["a"])
    started = time.monotonic()
    assert bus.receive("a", "w", 10, 0.05) == []
    assert time.monotonic() - started >= 0.05
    publish_in_background(bus, [envelope(n) for n in range(5)])
    assert len(bus.receive("a", "w", 3, 1.0)) == 3
    assert len(bus.receive("a", "w", 3, 1.0)) == 2
    bus.close()


def test_close_wakes_a_waiting_publisher_and_receiver() -> None:
    bus = InProcessBus()
    bus.prepare(["a", "b"])
    errors: list[BaseException] = []

    def publish() -> None:
        try:
            bus.publish([envelope(1)])
        except BusClosed as exc:
            errors.append(exc)

    publisher = threading.Thread(target=publish)
    publisher.start()
    bus.ack("a", bus.receive("a", "w", 10, 1.0))
    bus.close()
    publisher.join(2)
    assert len(errors) == 1, "a publish that was not fully acknowledged must not succeed"
    with pytest.raises(BusClosed):
        bus.receive("b", "w", 10, 1.0)


def test_retry_delays_double_up_to_the_cap() -> None:
    policy = RetryPolicy(max_attempts=5, base_delay=1.0, max_delay=5.0)
    assert [policy.delay(n) for n in (1, 2, 3, 4)] == [
        timedelta(seconds=1),
        timedelta(seconds=2),
        timedelta(seconds=4),
        timedelta(seconds=5),
    ]


def test_the_bus_url_chooses_the_backend_and_the_stream() -> None:
    assert isinstance(bus_from_settings(Settings(bus_url=None)), InProcessBus)
    default = bus_from_settings(Settings(bus_url="redis://127.0.0.1:6379/0"))
    assert isinstance(default, RedisStreamsBus)
    assert default.stream == STREAM
    named = RedisStreamsBus.from_url("redis://127.0.0.1:6379/3?stream=acme:events", reclaim_after=2)
    assert (named.stream, named.reclaim_after) == ("acme:events", 2)
    with pytest.raises(ValueError, match="NATS is not built yet"):
        bus_from_settings(Settings(bus_url="nats://127.0.0.1:4222"))


def test_the_worker_never_prints_the_bus_password() -> None:
    assert _redacted("redis://:s3cret@cache.internal:6380/2") == "redis://cache.internal:6380/2"
    assert _redacted(None) == "in-process"
