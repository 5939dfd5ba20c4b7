"""The Redis-backed one-hour window (scaled-out Kith) gives the same features as the
in-memory one, shared by every process (redis://…/15 via KITH_TEST_REDIS_URL)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from kith.realtime.features.window import MemoryWindow, RedisWindow, Txn

REDIS_URL = os.environ.get("KITH_TEST_REDIS_URL")
START = datetime(2026, 11, 18, 2, 0, tzinfo=UTC).timestamp()


@pytest.fixture
def redis_window() -> Iterator[RedisWindow]:
    if not REDIS_URL:
        pytest.skip("KITH_TEST_REDIS_URL not set")
    window = RedisWindow(REDIS_URL, prefix=f"kith:test:{uuid.uuid4().hex[:8]}")
    try:
        window.client.ping()
    except Exception as exc:
        pytest.skip(f"Redis unreachable: {exc}")
    yield window
    window.clear()


def test_redis_and_memory_windows_agree(redis_window: RedisWindow) -> None:
    memory = MemoryWindow()
    txns = [
        Txn("card-r", f"dev-{n % 3}", f"acct-{n % 4}", f"10.0.0.{n % 2}", 100.0 + n)
        for n in range(12)
    ]
    for n, txn in enumerate(txns):
        at = START + n * 60
        assert redis_window.observe("t1", txn, at) == memory.observe("t1", txn, at)
    # an hour and a bit later only the last transactions count, in both
    late = Txn("card-r", "dev-9", "acct-9", "10.0.0.9", 1.0)
    at = START + 11 * 60 + 3600 - 30
    assert redis_window.observe("t1", late, at) == memory.observe("t1", late, at)


def test_a_second_process_sees_the_same_graph(redis_window: RedisWindow) -> None:
    assert REDIS_URL is not None
    other = RedisWindow(REDIS_URL, prefix=redis_window.prefix)
    for n in range(4):
        redis_window.observe("t1", Txn("card-s", "d", f"acct-{n}", "ip", 5.0), START + n)
    card, _ = other.observe("t1", Txn("card-s", "d", "acct-4", "ip", 5.0), START + 10)
    assert card["accounts_1h"] == 5 and card["txns_1h"] == 5
