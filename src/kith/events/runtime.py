"""The event runtime: the relay and one thread per consumer over one bus.

``kith serve`` runs it in the background (``embedded.start``) and
``kith worker`` in the foreground. Commits in this process that write outbox
rows wake the relay at once; a poll interval is the safety net for commits
made by other processes. ``stop`` lets every consumer finish the batch it is
applying, then returns with no thread left behind.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from kith.container import Container
from kith.events.bus import Bus, BusClosed, Delivery
from kith.events.delivery import BatchLimits, ConsumerRunner, RetryPolicy
from kith.events.envelope import Consumer
from kith.events.models import OutboxEvent
from kith.events.relay import Relay, relay_lock_for

log = logging.getLogger("kith.events")


def default_worker_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


@dataclass(frozen=True)
class RuntimeOptions:
    worker: str = field(default_factory=default_worker_name)
    relay_batch: int = 500
    receive_max: int = 500
    idle_wait: float = 0.5  # longest a consumer blocks on an idle bus
    poll_interval: float = 1.0  # relay safety net, and how often a standby relay retries the lock
    retry_poll: float = 1.0  # how often scheduled attempts are looked for
    compact_interval: float = 60.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    limits: BatchLimits = field(default_factory=BatchLimits)


class EventRuntime:
    def __init__(
        self,
        container: Container,
        bus: Bus,
        consumers: Sequence[Consumer],
        options: RuntimeOptions | None = None,
    ) -> None:
        self.container = container
        self.bus = bus
        self.options = options or RuntimeOptions()
        self.runners = [
            ConsumerRunner(container, c, self.options.retry, self.options.limits) for c in consumers
        ]
        self._relay = Relay(container, bus, self.options.relay_batch)
        self._lock = relay_lock_for(container.engine)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []
        self._remove_notifier: Callable[[], None] = lambda: None
        self._next_compaction = 0.0

    def start(self) -> None:
        # Groups first: an event published before its group exists would miss it.
        self.bus.prepare([runner.name for runner in self.runners])
        self._remove_notifier = notify_on_outbox_commit(
            self.container.session_factory, self._wake.set
        )
        self._spawn("kith-relay", self._run_relay)
        for runner in self.runners:
            start_consumer(runner.consumer)
            self._spawn(f"kith-consumer-{runner.name}", self._run_consumer, runner)

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        self.bus.close()  # wakes a relay waiting in publish and consumers waiting in receive
        for thread in self._threads:
            thread.join(timeout)
            if thread.is_alive():
                log.error("%s did not stop within %.0f s", thread.name, timeout)
        self._threads = []
        self._remove_notifier()
        self._remove_notifier = lambda: None
        self.bus.close()  # and releases what the last acknowledgements reconnected
        for runner in self.runners:
            close_consumer(runner.consumer)

    def _spawn(self, name: str, target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    # --- relay --------------------------------------------------------------------

    def _run_relay(self) -> None:
        failures = 0
        try:
            while not self._stop.is_set():
                try:
                    if not self._lock.acquire():
                        # Another process relays; stand by in case it dies.
                        self._stop.wait(self.options.poll_interval)
                        continue
                    published = self._relay.publish_batch()
                    self._compact_if_due()
                    failures = 0
                except BusClosed:
                    return
                except Exception:
                    failures += 1
                    log.exception("relay failed; retrying")
                    self._stop.wait(_backoff(failures))
                    continue
                if published < self.options.relay_batch:
                    self._wake.wait(self.options.poll_interval)
                    self._wake.clear()
        finally:
            self._lock.release()

    def _compact_if_due(self) -> None:
        now = time.monotonic()
        if now >= self._next_compaction:
            self._next_compaction = now + self.options.compact_interval
            self.bus.compact()

    # --- consumers -------------------------------------------------------------------

    def _run_consumer(self, runner: ConsumerRunner) -> None:
        next_retry_scan = 0.0
        failures = 0
        while not self._stop.is_set():
            try:
                deliveries = self.bus.receive(
                    runner.name,
                    self.options.worker,
                    self.options.receive_max,
                    self.options.idle_wait,
                )
                failures = 0
            except BusClosed:
                return
            except Exception:
                failures += 1
                log.exception("%s: receiving from the bus failed; retrying", runner.name)
                self._stop.wait(_backoff(failures))
                continue
            self._settle(runner, deliveries)
            if time.monotonic() >= next_retry_scan:
                more = self._run_due_attempts(runner)
                next_retry_scan = time.monotonic() + (0 if more else self.options.retry_poll)

    def _settle(self, runner: ConsumerRunner, deliveries: Sequence[Delivery]) -> None:
        """Apply, then acknowledge. If the database is unreachable, keep trying the
        same deliveries (unacknowledged, so a crash meanwhile loses nothing)."""
        failures = 0
        while deliveries:
            try:
                runner.apply([d.envelope for d in deliveries])
                self.bus.ack(runner.name, deliveries)
                return
            except Exception:
                failures += 1
                log.exception(
                    "%s: could not settle %d events; retrying", runner.name, len(deliveries)
                )
                if self._stop.wait(_backoff(failures)):
                    return

    def _run_due_attempts(self, runner: ConsumerRunner, batch: int = 100) -> bool:
        """Run due attempts for up to ``retry_poll`` seconds, so a large replay does not
        hold back live events; True if more are due."""
        deadline = time.monotonic() + self.options.retry_poll
        try:
            while runner.apply_due(batch) == batch:
                if self._stop.is_set() or time.monotonic() >= deadline:
                    return True
        except Exception:
            log.exception("%s: scheduled attempts failed; will look again", runner.name)
        return False


def notify_on_outbox_commit(
    session_factory: sessionmaker[Session], callback: Callable[[], None]
) -> Callable[[], None]:
    """Call ``callback`` after each commit, made through ``session_factory``, that
    wrote outbox rows; returns the function that stops listening."""
    flag = object()  # this listener's own key: several runtimes may share a factory

    def remember_outbox_insert(state: ORMExecuteState) -> None:
        mapper = state.bind_mapper
        if state.is_insert and mapper is not None and mapper.class_ is OutboxEvent:
            state.session.info[flag] = True

    def after_commit(session: Session) -> None:
        if session.info.pop(flag, False):
            callback()

    def after_rollback(session: Session) -> None:
        session.info.pop(flag, None)

    listeners: list[tuple[str, Callable[[Any], None]]] = [
        ("do_orm_execute", remember_outbox_insert),
        ("after_commit", after_commit),
        ("after_rollback", after_rollback),
    ]
    for name, listener in listeners:
        event.listen(session_factory, name, listener)

    def remove() -> None:
        for name, listener in listeners:
            event.remove(session_factory, name, listener)

    return remove


def _backoff(failures: int) -> float:
    return float(min(0.1 * 2**failures, 5.0))


def start_consumer(consumer: Consumer) -> None:
    """Consumers that run background work of their own (the webhook dispatcher) start it
    through an optional ``start``, called once when the runtime starts."""
    start = getattr(consumer, "start", None)
    if callable(start):
        start()


def close_consumer(consumer: Consumer) -> None:
    """Consumers that hold resources (the agents' language-model client) release
    them through an optional ``close``; the ``Consumer`` contract does not require one."""
    close = getattr(consumer, "close", None)
    if callable(close):
        try:
            close()
        except Exception:
            log.exception("consumer %s failed to close", consumer.name)
