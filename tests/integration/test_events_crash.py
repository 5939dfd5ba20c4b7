"""Kill the worker at any point: no committed event is lost, none is applied twice.

A real ``kith worker`` process runs a consumer that writes one row per event,
while this test keeps committing events. The worker is killed with SIGKILL
mid-stream several times and restarted; in the end every committed event's
effect exists exactly once. Runs on SQLite and PostgreSQL, over the in-process
bus and (broker lane) over Redis Streams.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from kith.container import Container
from kith.db.uow import UnitOfWork
from kith.events.consumers import register_consumer_factory
from kith.events.envelope import Envelope
from kith.events.models import ConsumedEvent, OutboxEvent
from tests.integration.test_events_runtime import (
    RecordingConsumer,
    applied,
    commit_events,
    count,
    effects,
    wait_until,
)

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("KITH_TEST_REDIS_URL")
KILLS = 3
BATCHES, PER_BATCH = 24, 25
# `kith worker --consumer recorder --reclaim-after 1`, with the test's consumer registered
# (calling the command function directly skips importing every other CLI command).
WORKER = """
from tests.integration.test_events_crash import register_slow_recorder
from kith.runtime import worker
register_slow_recorder()
worker(consumer=["recorder"], reclaim_after=1.0)
"""


class SlowRecorder(RecordingConsumer):
    """A little work per event, so that kills land in the middle of the stream."""

    def handle(self, envelope: Envelope, uow: UnitOfWork) -> None:
        time.sleep(0.002)
        super().handle(envelope, uow)


def register_slow_recorder() -> None:
    register_consumer_factory(lambda _container: SlowRecorder())


def start_worker(container: Container, bus_url: str | None) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "KITH_DATABASE_URL": container.engine.url.render_as_string(hide_password=False),
        "KITH_HOME": str(container.settings.home),
        "KITH_MODE": "test",
    }
    env.pop("KITH_BUS_URL", None)
    if bus_url:
        env["KITH_BUS_URL"] = bus_url
    return subprocess.Popen(
        [sys.executable, "-c", WORKER],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def produce(container: Container, committed: list[str], done: threading.Event) -> None:
    for _ in range(BATCHES):
        committed.extend(commit_events(container, PER_BATCH))
        time.sleep(0.05)
    done.set()


def run_crash_scenario(container: Container, bus_url: str | None) -> None:
    effects.create(container.engine)
    committed: list[str] = []
    produced = threading.Event()
    producer = threading.Thread(target=produce, args=(container, committed, produced))
    producer.start()
    chance = random.Random(7)
    try:
        for _ in range(KILLS):
            worker = start_worker(container, bus_url)
            before = len(applied(container))
            # Mid-stream: the worker has applied some events and more are waiting.
            wait_until(lambda b=before: len(applied(container)) >= b + 20, timeout=60)
            time.sleep(chance.uniform(0, 0.05))
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
        producer.join(60)
        assert produced.is_set()

        worker = start_worker(container, bus_url)
        try:
            wait_until(lambda: len(set(applied(container))) == len(committed), timeout=90)
            time.sleep(0.3)  # a late duplicate would show up now
        finally:
            worker.send_signal(signal.SIGTERM)
            _, stderr = worker.communicate(timeout=30)
        assert worker.returncode == 0, stderr.decode()[-2000:]
    finally:
        produced.wait(60)
        producer.join(60)

    assert len(committed) == BATCHES * PER_BATCH
    assert sorted(applied(container)) == sorted(committed), "an effect is missing or doubled"
    assert count(container, ConsumedEvent) == len(committed)
    assert count(container, OutboxEvent, OutboxEvent.published_at.is_(None)) == 0


def test_sigkill_mid_stream_loses_nothing_and_applies_nothing_twice(container: Container) -> None:
    run_crash_scenario(container, None)


@pytest.fixture
def redis_bus_url() -> Iterator[str]:
    if not REDIS_URL:
        pytest.skip("KITH_TEST_REDIS_URL not set (the broker lane sets it)")
    stream = f"kith:test:{uuid.uuid4().hex[:8]}"
    yield f"{REDIS_URL}?stream={stream}"
    redis.Redis.from_url(REDIS_URL).delete(stream)


@pytest.mark.broker
def test_sigkill_mid_stream_over_redis_streams(container: Container, redis_bus_url: str) -> None:
    run_crash_scenario(container, redis_bus_url)
