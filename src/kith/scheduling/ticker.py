"""The embedded scheduler: a thread that runs what is due every few seconds.

Started next to the events runtime by ``kith serve`` and ``kith worker``; any
number of processes may tick against one database, because a claim is a
compare-and-set (and ``FOR UPDATE SKIP LOCKED`` on PostgreSQL).
``KITH_SCHEDULER_TICK_SECONDS`` sets the period; 0 switches it off. Unset, it
is 30 s, except in test mode, where other contexts' tests must not see jobs run.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from pydantic_settings import BaseSettings, SettingsConfigDict

from kith.container import Container
from kith.events.runtime import default_worker_name

log = logging.getLogger("kith.scheduling")
DEFAULT_TICK_SECONDS = 30.0


class SchedulerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KITH_SCHEDULER_", extra="ignore")

    tick_seconds: float | None = None

    def tick_for(self, mode: str) -> float:
        if self.tick_seconds is not None:
            return max(self.tick_seconds, 0.0)
        return 0.0 if mode == "test" else DEFAULT_TICK_SECONDS


class SchedulerTicker:
    def __init__(self, container: Container, tick_seconds: float, worker: str | None = None):
        self.container = container
        self.tick_seconds = tick_seconds
        self.worker = worker or default_worker_name()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="kith-scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.error("the scheduler did not stop within %.0f s", timeout)
            self._thread = None

    def _loop(self) -> None:
        from kith.scheduling.service import run_due

        while not self._stop.wait(self.tick_seconds):
            try:
                for run in run_due(self.container, worker=self.worker):
                    log.info("schedule %s (%s): %s", run["schedule_id"], run["job"], run["status"])
            except Exception:
                log.exception("the scheduler tick failed; trying again on the next one")


def start(container: Container) -> Callable[[], None]:
    """Start ticking if enabled; returns the function that stops it."""
    tick = SchedulerSettings().tick_for(container.settings.mode)
    if tick <= 0:
        return lambda: None
    ticker = SchedulerTicker(container, tick)
    ticker.start()
    return ticker.stop
