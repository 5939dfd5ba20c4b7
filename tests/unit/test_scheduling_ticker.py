"""Whether the embedded scheduler ticks, and how often (no database)."""

from __future__ import annotations

import pytest

from kith.scheduling.ticker import DEFAULT_TICK_SECONDS, SchedulerSettings


def test_tick_defaults_and_switching_it_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KITH_SCHEDULER_TICK_SECONDS", raising=False)
    assert SchedulerSettings().tick_for("production") == DEFAULT_TICK_SECONDS
    assert SchedulerSettings().tick_for("test") == 0.0  # other tests must not see jobs run
    monkeypatch.setenv("KITH_SCHEDULER_TICK_SECONDS", "0")
    assert SchedulerSettings().tick_for("production") == 0.0
    monkeypatch.setenv("KITH_SCHEDULER_TICK_SECONDS", "5")
    assert SchedulerSettings().tick_for("test") == 5.0
