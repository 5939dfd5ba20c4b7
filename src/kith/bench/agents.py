"""``kith bench events``: customer events through the four built-in agents.

The real pipeline: an interaction is committed through the record service (its
``interaction.received`` event in the outbox), the relay publishes it on the bus
(in-process, or Redis Streams with ``bus_url``), the ``agents`` consumer routes
it and runs the agents' steps, whose actions go through ``Gateway.execute``;
the consumer commits the batch with its idempotency marks.

The mix is what the agents subscribe to: customer app messages (Service opens a
ticket; a battery complaint also asks Product Insight for a fleet analysis),
telemetry readings (Product Insight checks the vehicle's ageing) and web visits
(Sales counts page visits; the third visit brings a proposal).

Two phases:
- throughput: the events are committed first, then the runtime starts and
  drains them; events/s = events / seconds to the last consumer commit;
- latency: events are committed one by one at ``rate`` per second while the
  runtime runs; latency is event commit -> commit of the consumer transaction
  holding the agent's first action (``action_ms``), and -> the commit that
  settled the event whatever the agents did (``settled_ms``).
"""

from __future__ import annotations

import random
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from kith.access.models import Tenant
from kith.access.service import system_principal
from kith.agents.models import AgentAction
from kith.agents.router import AgentRouter
from kith.agents.wiring import build_runtime
from kith.bench.harness import database, machine, p50_p99, workspace
from kith.container import Container
from kith.crm.schemas import AccountIn, ContactIn, InteractionIn
from kith.crm.service import RecordService
from kith.db.uow import UnitOfWork
from kith.events.bus import Bus
from kith.events.envelope import Envelope
from kith.events.inprocess import InProcessBus
from kith.events.runtime import EventRuntime

MESSAGES = (
    ("general", "请问保养套餐包含哪些项目？", None),
    ("general", "How do I change the delivery address?", None),
    ("app", "App 登录不上，一直提示网络错误", None),
    ("billing", "发票抬头开错了，需要重开", None),
    ("battery", "冬季续航缩水严重，是不是电池有问题？", "E7"),
)
MIX = (("message", 0.5), ("telemetry", 0.3), ("visit", 0.2))
AGENTS = ("product_insight", "retention", "sales", "service")
TARGETS = {"p99_ms": 50, "events_per_second": 1000}


@dataclass(frozen=True)
class Options:
    events: int = 10_000
    backend: str = "sqlite"
    bus_url: str | None = None
    rate: float | None = None  # latency phase events/s; default half the drained rate
    warmup: int = 50
    seed: int = 11


class Stopwatch:
    """Commit times of the consumer's transactions, per event they settled or acted on."""

    def __init__(self, container: Container) -> None:
        self.settled: dict[str, float] = {}
        self.acted: dict[str, float] = {}
        self._lock = threading.Lock()
        factory = container.session_factory
        event.listen(factory, "after_flush", self._flushed)
        event.listen(factory, "after_commit", self._committed)

    def note_settling(self, envelope: Envelope, uow: UnitOfWork) -> None:
        uow.session.info.setdefault("bench_settled", []).append(envelope.event_id)

    def _flushed(self, session: Session, _context: Any) -> None:
        acted = [
            o.event_id for o in session.new if isinstance(o, AgentAction) and o.phase == "acted"
        ]
        session.info.setdefault("bench_acted", []).extend(acted)

    def _committed(self, session: Session) -> None:
        now = time.perf_counter()
        with self._lock:
            for event_id in session.info.pop("bench_settled", []):
                self.settled.setdefault(event_id, now)
            for event_id in session.info.pop("bench_acted", []):
                self.acted.setdefault(event_id, now)


class TimedConsumer:
    """The ``agents`` consumer, telling the stopwatch which events each transaction settles."""

    def __init__(self, router: AgentRouter, stopwatch: Stopwatch) -> None:
        self.router = router
        self.stopwatch = stopwatch
        self.name = router.name
        self.event_types = router.event_types

    def handle(self, envelope: Envelope, uow: UnitOfWork) -> None:
        self.stopwatch.note_settling(envelope, uow)
        self.router.handle(envelope, uow)

    def close(self) -> None:
        self.router.close()


class World:
    """Customers to generate events for, and a way to commit one event."""

    def __init__(self, container: Container, rng: random.Random) -> None:
        self.container = container
        self.rng = rng
        with container.uow() as uow:
            tenant_id = uow.session.query(Tenant.id).scalar()
            assert tenant_id is not None, "the workspace has a tenant"
            self.tenant_id: str = tenant_id
            records = RecordService(uow, system_principal(self.tenant_id))
            self.owners = [
                records.create(
                    "contact",
                    ContactIn(name=f"车主{i}", app_user_id=f"APP-{i:06d}", mobile=f"139{i:08d}"),
                )["id"]
                for i in range(1000)
            ]
            hospital = records.create("account", AccountIn(name="仁和医院", industry="healthcare"))
            self.visitors = [
                records.create(
                    "contact",
                    ContactIn(name=f"主任{i}", title="设备科主任", account_id=hospital["id"]),
                )["id"]
                for i in range(100)
            ]
            uow.commit()

    def interaction(self, kind: str) -> InteractionIn:
        if kind == "message":
            _, text, model = self.rng.choice(MESSAGES)
            return InteractionIn(
                channel="app",
                direction="inbound",
                text=text,
                contact_id=self.rng.choice(self.owners),
                meta={"model": model} if model else {},
            )
        if kind == "telemetry":
            meta = {
                "model": "E7",
                "region": "哈尔滨",
                "cell_batch": "CB-2411K",
                "soh_pct": round(self.rng.uniform(88, 99), 1),
                "battery_temp_c": -8.0,
            }
            return InteractionIn(
                channel="iot",
                direction="inbound",
                subject="telemetry",
                contact_id=self.rng.choice(self.owners),
                meta=meta,
            )
        return InteractionIn(
            channel="web",
            direction="inbound",
            subject="visit",
            contact_id=self.rng.choice(self.visitors),
            meta={"page": self.rng.choice(("远程质控模块", "产品中心", "案例"))},
        )

    def commit_one(self) -> tuple[str, str, float]:
        """(event id, kind, when it committed)."""
        kind = self.rng.choices([k for k, _ in MIX], [w for _, w in MIX])[0]
        with self.container.uow() as uow:
            RecordService(uow, system_principal(self.tenant_id)).create(
                "interaction", self.interaction(kind)
            )
            uow.commit()
            return uow.committed_events[-1].id, kind, time.perf_counter()


class Bench:
    def __init__(self, container: Container, options: Options) -> None:
        self.container = container
        self.options = options
        self.world = World(container, random.Random(options.seed))
        self.stopwatch = Stopwatch(container)  # one: its listeners see every session

    def start_runtime(self) -> Callable[[], None]:
        agents = build_runtime(self.container)
        consumer = TimedConsumer(AgentRouter(agents.registry, agents), self.stopwatch)
        runtime = EventRuntime(self.container, self._bus(), [consumer])
        runtime.start()
        return runtime.stop  # closes the consumer, and with it the agents' runtime

    def _bus(self) -> Bus:
        if self.options.bus_url is None:
            return InProcessBus()
        from kith.events.redis_bus import RedisStreamsBus

        # A stream of its own per phase: nothing left over from another run is replayed.
        return RedisStreamsBus(self.options.bus_url, stream=f"kith:bench:{uuid.uuid4().hex[:8]}")

    def throughput(self, count: int) -> dict[str, Any]:
        ids = [self.world.commit_one()[0] for _ in range(count)]
        started = time.perf_counter()
        stop = self.start_runtime()
        try:
            _wait_until(lambda: all(i in self.stopwatch.settled for i in ids), timeout=3600)
        finally:
            stop()
        seconds = max(self.stopwatch.settled[i] for i in ids) - started
        return {
            "events": count,
            "seconds": round(seconds, 2),
            "events_per_second": round(count / seconds, 1),
            "events_with_actions": sum(1 for i in ids if i in self.stopwatch.acted),
        }

    def latency(self, count: int, rate: float) -> dict[str, Any]:
        stop = self.start_runtime()
        committed: dict[str, float] = {}
        kinds: dict[str, str] = {}
        try:
            interval = 1 / rate
            started = time.perf_counter()
            for n in range(count):
                event_id, kinds[event_id], committed[event_id] = self.world.commit_one()
                pause = started + (n + 1) * interval - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
            _wait_until(lambda: all(i in self.stopwatch.settled for i in committed), timeout=600)
        finally:
            stop()
        acted, settled = self.stopwatch.acted, self.stopwatch.settled
        action_ms = [(acted[i] - t) * 1000 for i, t in committed.items() if i in acted]
        return {
            "events": count,
            "rate_per_second": rate,
            "events_with_actions": len(action_ms),
            "action_ms": p50_p99(action_ms),
            "settled_ms": p50_p99([(settled[i] - t) * 1000 for i, t in committed.items()]),
            "settled_ms_by_kind": {
                kind: p50_p99(
                    [(settled[i] - t) * 1000 for i, t in committed.items() if kinds[i] == kind]
                )
                for kind, _ in MIX
            },
        }


def _wait_until(done: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError("the agents did not keep up within the timeout")
        time.sleep(0.01)


def run(options: Options) -> dict[str, Any]:
    """Both phases on a throw-away database; the JSON-ready result."""
    with tempfile.TemporaryDirectory(prefix="kith-bench-") as tmp:
        home = Path(tmp)
        with database(options.backend, home) as url:
            container = workspace(url, home)
            try:
                facts = machine(container)
                bench = Bench(container, options)
                if options.warmup:
                    bench.throughput(options.warmup)  # jieba's dictionary, seeding, caches
                drained = bench.throughput(options.events)
                rate = options.rate or round(min(200.0, drained["events_per_second"] / 2), 1)
                paced = bench.latency(options.events, rate)
            finally:
                container.engine.dispose()
    latency_p = paced["action_ms"]
    return {
        "benchmark": "events",
        "backend": options.backend,
        "bus": "redis-streams" if options.bus_url else "in-process",
        "agents": list(AGENTS),
        "mix": dict(MIX),
        "events": options.events,
        "events_per_second": drained["events_per_second"],
        "p50_ms": latency_p.get("p50"),
        "p99_ms": latency_p.get("p99"),
        "throughput": drained,
        "latency": paced,
        "targets": TARGETS,
        "machine": facts,
    }
