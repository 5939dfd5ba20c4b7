"""The webhook dispatcher: one lane per subscription on a small thread pool.

A lane sends its subscription's open deliveries in event order, the head of each
subject first (a later event about the same record waits while an earlier one is
retrying, so receivers see each record's changes in order; other records go on). A
slow or dead receiver occupies its own lane only: every request has a timeout, and
other subscriptions' lanes run on other threads. The dispatcher wakes when a commit
queued deliveries (the ``webhooks`` consumer marks its session) and otherwise looks
for due retries every ``poll`` seconds.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from kith.container import Container
from kith.platform.delivery import DeliveryPolicy, deliver_batch
from kith.platform.repository import WebhookRepository
from kith.platform.sender import client as http_client

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("kith.platform")
WAKE_FLAG = "kith.platform.webhooks_queued"
WINDOW = 500
BATCH = 24  # deliveries claimed and settled per transaction
SEND_CONCURRENCY = 4  # requests in flight per subscription (different subjects)
SENDER_PREFIX = "kith-webhook-send"


class Dispatcher:
    def __init__(
        self,
        container: Container,
        policy: DeliveryPolicy | None = None,
        workers: int | None = None,
        poll: float = 1.0,
    ) -> None:
        self.container = container
        self.policy = policy or DeliveryPolicy.from_settings(container.settings)
        self.workers = workers or container.settings.webhook_workers
        self.poll = poll
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._lanes: set[str] = set()
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._clients = _Clients(self.policy.timeout)  # one per lane thread, kept
        self._thread: threading.Thread | None = None
        self._unlisten: Callable[[], None] = lambda: None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="kith-webhook")
        self._unlisten = _wake_after_commit(self.container, self._wake.set)
        self._thread = threading.Thread(target=self._run, name="kith-webhooks", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        self._unlisten()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
        self._clients.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._dispatch_due()
            except Exception:
                log.exception("webhook dispatcher: scan failed; will look again")
            self._wake.wait(self.poll)
            self._wake.clear()

    def _dispatch_due(self) -> None:
        with self.container.uow() as uow:
            due = WebhookRepository(uow.session).subscriptions_with_due(self.container.clock())
        for subscription_id in due:
            with self._lock:
                if subscription_id in self._lanes or self._executor is None:
                    continue
                self._lanes.add(subscription_id)
                self._executor.submit(self._lane, subscription_id)

    def _lane(self, subscription_id: str) -> None:
        # A few requests at a time, to different subjects (each subject's head only).
        # The lane's own thread keeps its client (and connection) across lanes; the
        # sending threads of this run get theirs, closed when the run ends.
        sending = ThreadPoolExecutor(SEND_CONCURRENCY, thread_name_prefix=SENDER_PREFIX)
        run_clients = _Clients(self.policy.timeout)

        def client() -> httpx.Client:
            if threading.current_thread().name.startswith(SENDER_PREFIX):
                return run_clients.get()
            return self._clients.get()

        try:
            while not self._stop.is_set():
                eligible = self.eligible(subscription_id)
                if not eligible:
                    return
                for start in range(0, len(eligible), BATCH):
                    if self._stop.is_set():
                        return
                    chunk = eligible[start : start + BATCH]
                    outcomes = deliver_batch(
                        self.container,
                        chunk,
                        client,
                        self.policy,
                        pool=sending,
                        wave=SEND_CONCURRENCY,
                    )
                    if len(outcomes) < len(chunk) or not all(o.ok for o in outcomes):
                        break  # look again: failures change what is eligible
        except Exception:
            log.exception("webhook lane %s failed; will look again", subscription_id)
        finally:
            sending.shutdown(wait=True)
            run_clients.close()
            with self._lock:
                self._lanes.discard(subscription_id)
            self._wake.set()  # deliveries queued meanwhile are picked up at once

    def eligible(self, subscription_id: str) -> list[str]:
        """The due head of each subject, in event order."""
        with self.container.uow() as uow:
            now = self.container.clock()
            window = WebhookRepository(uow.session).open_window(subscription_id, WINDOW)
            seen: set[str] = set()
            out: list[str] = []
            for row in window:
                if row.subject_key in seen:
                    continue
                seen.add(row.subject_key)
                leased = row.lease_until is not None and row.lease_until >= now
                if row.next_attempt_at <= now and not leased:
                    out.append(row.id)
            return out


class _Clients:
    """One HTTP client per sending thread of a lane (keep-alive to the receiver), all
    closed when the lane ends."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._local = threading.local()
        self._made: list[httpx.Client] = []
        self._lock = threading.Lock()

    def get(self) -> httpx.Client:
        client: httpx.Client | None = getattr(self._local, "client", None)
        if client is None:
            client = http_client(self.timeout)
            self._local.client = client
            with self._lock:
                self._made.append(client)
        return client

    def close(self) -> None:
        with self._lock:
            made, self._made = self._made, []
        for client in made:
            client.close()


def _wake_after_commit(container: Container, callback: Callable[[], None]) -> Callable[[], None]:
    factory = container.session_factory

    def after_commit(session: Session) -> None:
        if session.info.pop(WAKE_FLAG, False):
            callback()

    def after_rollback(session: Session) -> None:
        session.info.pop(WAKE_FLAG, None)

    listeners: list[tuple[str, Callable[[Any], None]]] = [
        ("after_commit", after_commit),
        ("after_rollback", after_rollback),
    ]
    for name, listener in listeners:
        event.listen(factory, name, listener)

    def remove() -> None:
        for name, listener in listeners:
            if event.contains(factory, name, listener):
                event.remove(factory, name, listener)

    return remove
