"""``kith bench webhooks``: outbound webhook delivery to a healthy local receiver.

Latency phase: events committed one per transaction at a steady rate; each event's
time from its commit returning to its arrival at the receiver (p50/p99/max).
Throughput phase: a burst of events committed in batches of 100; deliveries per second
until the last one arrived. The receiver is ``http.server`` in this process, answering
204 at once; the runtime is the embedded one (in-process bus, one subscription)."""

from __future__ import annotations

import random
import tempfile
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from kith.access.repository import AccessRepository
from kith.access.service import principal_for_user
from kith.bench.harness import ADMIN_EMAIL, machine, workspace
from kith.container import Container
from kith.core.event_types import EventType
from kith.core.ids import new_id
from kith.core.settings import Settings
from kith.core.stats import percentile
from kith.events.inprocess import InProcessBus
from kith.events.runtime import EventRuntime
from kith.events.types import Actor, DomainEvent
from kith.platform.consumer import WebhooksConsumer
from kith.platform.schemas import WebhookIn
from kith.platform.service import WebhookService

WARMUP = 20


@dataclass(frozen=True)
class Options:
    latency_events: int = 1_000
    rate: float = 100.0
    burst_events: int = 10_000
    seed: int = 18


class _Arrivals:
    def __init__(self) -> None:
        self.at: dict[str, float] = {}
        self.lock = threading.Lock()
        self.count = 0

    def add(self, event_id: str, at: float) -> None:
        with self.lock:
            self.at.setdefault(event_id, at)
            self.count += 1


def _server(arrivals: _Arrivals) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            arrivals.add(self.headers.get("Kith-Event-Id", ""), time.time())
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    return server


def run(options: Options) -> dict[str, Any]:
    home = Settings().home / "temp"
    home.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kith-bench-webhooks-", dir=home) as tmp:
        container = workspace(f"sqlite:///{Path(tmp) / 'kith.db'}", Path(tmp))
        try:
            return _run(container, options)
        finally:
            container.engine.dispose()


def _run(container: Container, options: Options) -> dict[str, Any]:
    arrivals = _Arrivals()
    server = _server(arrivals)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/kith"
    tenant_id = _subscribe(container, url)
    runtime = EventRuntime(container, InProcessBus(), [WebhooksConsumer(container)])
    runtime.start()
    rng = random.Random(options.seed)
    subjects = [new_id() for _ in range(200)]
    try:
        # Warm-up (first connection, imports, caches): sent and waited for, not measured.
        warm = [_event(tenant_id, rng.choice(subjects), n) for n in range(WARMUP)]
        with container.uow() as uow:
            for event in warm:
                uow.emit(event)
            uow.commit()
        _wait(lambda: all(e.id in arrivals.at for e in warm), 120)
        committed: dict[str, float] = {}
        interval = 1.0 / options.rate
        start = time.perf_counter()
        for n in range(options.latency_events):
            event = _event(tenant_id, rng.choice(subjects), n)
            with container.uow() as uow:
                uow.emit(event)
                uow.commit()
            committed[event.id] = time.time()
            pause = start + (n + 1) * interval - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
        _wait(lambda: all(e in arrivals.at for e in committed), 120)
        latencies = [(arrivals.at[e] - at) * 1000 for e, at in committed.items()]

        burst = [_event(tenant_id, rng.choice(subjects), n) for n in range(options.burst_events)]
        began = time.time()
        for i in range(0, len(burst), 100):
            with container.uow() as uow:
                for event in burst[i : i + 100]:
                    uow.emit(event)
                uow.commit()
        committed_at = time.time()
        _wait(lambda: all(e.id in arrivals.at for e in burst), 600)
        done = max(arrivals.at[e.id] for e in burst)
    finally:
        runtime.stop()
        server.shutdown()
        server.server_close()
    return {
        "benchmark": "webhooks",
        "latency": {
            "events": options.latency_events,
            "rate_per_second": options.rate,
            "p50_ms": round(percentile(latencies, 0.5), 2),
            "p99_ms": round(percentile(latencies, 0.99), 2),
            "max_ms": round(max(latencies), 2),
        },
        "throughput": {
            "events": options.burst_events,
            "commit_seconds": round(committed_at - began, 2),
            "delivered_seconds": round(done - began, 2),
            "deliveries_per_second": round(options.burst_events / (done - began), 1),
        },
        "requests_received": arrivals.count - WARMUP,
        "targets": {"p99_ms": 200},
        "machine": machine(container),
    }


def _subscribe(container: Container, url: str) -> str:
    with container.uow() as uow:
        access = AccessRepository(uow.session)
        tenant = access.tenant_by_slug("default")
        assert tenant is not None
        admin = access.user_in_tenant(tenant.id, ADMIN_EMAIL)
        assert admin is not None
        principal = principal_for_user(uow.session, admin)
        WebhookService(uow, principal, container.clock).create(
            WebhookIn(name="bench", url=url, event_types=["contact.updated"])
        )
        uow.commit()
        return str(tenant.id)


def _event(tenant_id: str, subject: str, n: int) -> DomainEvent:
    return DomainEvent(
        type=EventType.CONTACT_UPDATED,
        tenant_id=tenant_id,
        subject_type="contact",
        subject_id=subject,
        actor=Actor.system(),
        payload={"version": n + 2, "changes": {"city": ["北京", "上海"]}},
    )


def _wait(condition: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError("webhook deliveries did not all arrive in time")
        time.sleep(0.01)
