"""Benchmark: the event pipeline, from a committed interaction to a consumer's committed effect.

    python bench/bench_events.py --events 10000 --backend sqlite
    python bench/bench_events.py --events 10000 --backend postgres --bus redis://127.0.0.1:6379/0

Each event is an inbound interaction created through ``RecordService`` (so it
is an ``interaction.received`` outbox row written with its record), relayed
over the bus (in-process, or Redis Streams) to a trivial consumer whose only
effect is its idempotency mark, committed by the consumer framework.

* backlog: N events are committed (100 per transaction) while the runtime is
  stopped; then it starts and drains them: events per second through relay,
  bus and consumer.
* live: the runtime runs while a producer commits N events one transaction
  each, as fast as it can, as API requests would; latency is the time from
  the producer's commit returning to the consumer's commit returning
  (p50/p95/p99/max).
* paced: the same at a steady ``--paced-rate`` (events per second), where the
  producer does not compete with the pipeline for the CPU and the database.

The runtime runs in this process (as in ``kith serve``), so commits wake the
relay directly. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import redis
from common import BACKENDS, database, machine, percentile, workspace
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from kith.access.models import Tenant
from kith.access.service import system_principal
from kith.container import Container
from kith.crm.schemas import InteractionIn
from kith.crm.service import RecordService
from kith.db.uow import UnitOfWork
from kith.events.bus import Bus
from kith.events.envelope import Envelope
from kith.events.inprocess import InProcessBus
from kith.events.redis_bus import RedisStreamsBus
from kith.events.runtime import EventRuntime, RuntimeOptions

BACKLOG_BATCH = 100


class EffectClock:
    """The trivial consumer, and the clock of when each of its transactions committed."""

    name = "bench"
    event_types = frozenset({"interaction.received"})

    def __init__(self, container: Container) -> None:
        self.committed_at: dict[str, float] = {}
        self._factory = container.session_factory
        event.listen(self._factory, "after_commit", self._stamp)

    def handle(self, envelope: Envelope, uow: UnitOfWork) -> None:
        uow.session.info.setdefault(self, []).append(envelope.event_id)

    def close(self) -> None:
        """Called by ``EventRuntime.stop`` (and safe to call again)."""
        if event.contains(self._factory, "after_commit", self._stamp):
            event.remove(self._factory, "after_commit", self._stamp)

    def _stamp(self, session: Session) -> None:
        handled = session.info.pop(self, None)
        if handled:
            now = time.perf_counter()
            self.committed_at.update(dict.fromkeys(handled, now))


def create_interactions(container: Container, tenant_id: str, count: int) -> dict[str, float]:
    """Commit ``count`` interactions in one transaction; returns event id -> commit time."""
    principal = system_principal(tenant_id)
    with container.uow() as uow:
        records = RecordService(uow, principal)
        for n in range(count):
            records.create(
                "interaction",
                InteractionIn(channel="app", direction="inbound", text=f"冬季续航缩水 {n}"),
            )
        uow.commit()
        now = time.perf_counter()
        return {e.id: now for e in uow.committed_events if e.type == "interaction.received"}


def wait_for(clock: EffectClock, expected: int, timeout: float = 600.0) -> float:
    deadline = time.monotonic() + timeout
    while len(clock.committed_at) < expected:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {len(clock.committed_at)} of {expected} events arrived")
        time.sleep(0.001)
    return max(clock.committed_at.values())


def backlog(container: Container, tenant_id: str, bus: Bus, events: int) -> dict[str, Any]:
    for _ in range(events // BACKLOG_BATCH):
        create_interactions(container, tenant_id, BACKLOG_BATCH)
    clock = EffectClock(container)
    runtime = EventRuntime(container, bus, [clock], RuntimeOptions(worker="bench"))
    started = time.perf_counter()
    runtime.start()
    finished = wait_for(clock, events)
    runtime.stop()
    clock.close()
    seconds = finished - started
    return {"seconds": round(seconds, 2), "events_per_second": round(events / seconds)}


def live(
    container: Container, tenant_id: str, bus: Bus, events: int, rate: float | None = None
) -> dict[str, Any]:
    """One event per transaction, as fast as possible or at ``rate`` per second."""
    clock = EffectClock(container)
    runtime = EventRuntime(container, bus, [clock], RuntimeOptions(worker="bench"))
    runtime.start()
    committed_at: dict[str, float] = {}
    started = time.perf_counter()
    for n in range(events):
        if rate is not None:
            time.sleep(max(0.0, started + n / rate - time.perf_counter()))
        committed_at.update(create_interactions(container, tenant_id, 1))
    produced = time.perf_counter()
    finished = wait_for(clock, events)
    runtime.stop()
    clock.close()
    latencies = [(clock.committed_at[e] - t) * 1000 for e, t in committed_at.items()]
    return {
        "events": events,
        "producer_events_per_second": round(events / (produced - started)),
        "events_per_second": round(events / (finished - started)),
        "latency_ms": {
            "p50": round(percentile(latencies, 0.50), 2),
            "p95": round(percentile(latencies, 0.95), 2),
            "p99": round(percentile(latencies, 0.99), 2),
            "max": round(max(latencies), 2),
        },
    }


def paced(rate: float) -> Any:
    def run(container: Container, tenant_id: str, bus: Bus, events: int) -> dict[str, Any]:
        return {"rate": rate, **live(container, tenant_id, bus, events, rate)}

    return run


def open_bus(url: str | None) -> tuple[Bus, str | None]:
    """A bus, and the Redis stream to delete afterwards (one of its own per phase)."""
    if url is None:
        return InProcessBus(), None
    stream = f"kith:bench:{uuid.uuid4().hex[:8]}"
    return RedisStreamsBus(url, stream=stream), stream


def measure(container: Container, tenant_id: str, bus_url: str | None, phase: Any, n: int) -> Any:
    bus, stream = open_bus(bus_url)
    try:
        return phase(container, tenant_id, bus, n)
    finally:
        if stream is not None and bus_url is not None:
            redis.Redis.from_url(bus_url).delete(stream)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite")
    parser.add_argument("--bus", default=None, help="redis://... (default: in-process)")
    parser.add_argument("--paced-rate", type=float, default=20.0, help="events per second")
    parser.add_argument("--paced-events", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kith-bench-") as tmp:
        home = Path(tmp)
        with database(args.backend, home) as url:
            container = workspace(url, home)
            facts = machine(container)
            with container.uow() as uow:
                tenant_id = uow.session.scalars(select(Tenant.id)).one()
            drained = measure(container, tenant_id, args.bus, backlog, args.events)
            streamed = measure(container, tenant_id, args.bus, live, args.events)
            steady = measure(
                container, tenant_id, args.bus, paced(args.paced_rate), args.paced_events
            )
            container.engine.dispose()
    result = {
        "benchmark": "events",
        "backend": args.backend,
        "bus": "redis" if args.bus else "in-process",
        "events": args.events,
        "backlog": drained,
        "live": streamed,
        "paced": steady,
        "machine": facts,
    }
    json.dump(result, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
