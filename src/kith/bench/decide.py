"""``kith bench decide``: the S4 payment check (lists, the card's last hour, the
customer's history) through the service layer, one unit of work and commit per
decision, as ``POST /decide/payment_check`` runs it minus HTTP.

Two phases on a throw-away SQLite workspace (under ``KITH_HOME/temp``): ``max`` sends
decisions back to back (the ceiling of one thread); ``sustained`` paces them at
``rate`` per second for ``seconds`` and measures each decision's latency from the
moment it was due (so falling behind shows up as latency). The top-level figures are
the sustained phase's.
"""

from __future__ import annotations

import random
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kith.access.repository import AccessRepository
from kith.access.service import system_principal
from kith.bench.harness import machine, workspace
from kith.container import Container
from kith.core.settings import Settings
from kith.core.stats import percentile
from kith.crm.models import Contact, Order
from kith.realtime.defaults import PAYMENT_CHECK, PAYMENT_RULES
from kith.realtime.features.window import MemoryWindow, RedisWindow, WindowStore
from kith.realtime.log import DecisionLog
from kith.realtime.runtime import DecisionRuntime, use_runtime
from kith.realtime.schemas import DraftIn, ListEntryIn, RuleSetDefinition
from kith.realtime.service import RealtimeService

CUSTOMERS = 2_000
CARDS = 20_000
RING_CARDS = 50  # cards shared by many accounts (the fraud ring)


@dataclass(frozen=True)
class Options:
    rate: float = 1000.0
    seconds: float = 10.0
    warmup: int = 500
    max_decisions: int = 5_000
    window: str = "memory"
    redis_url: str = "redis://127.0.0.1:6379/15"
    seed: int = 16
    customers: int = CUSTOMERS
    cpu_decisions: int = 3_000


def run(options: Options) -> dict[str, Any]:
    home = Settings().home / "temp"
    home.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kith-bench-decide-", dir=home) as tmp:
        container = workspace(f"sqlite:///{Path(tmp) / 'kith.db'}", Path(tmp))
        try:
            return _run(container, options)
        finally:
            container.engine.dispose()


def _run(container: Container, options: Options) -> dict[str, Any]:
    rng = random.Random(options.seed)
    with container.uow() as uow:
        tenant = AccessRepository(uow.session).tenant_by_slug("default")
        assert tenant is not None
        tenant_id = tenant.id
    window: WindowStore
    if options.window == "redis":
        window = RedisWindow(options.redis_url, prefix=f"kith:bench:{uuid.uuid4().hex[:8]}")
    else:
        window = MemoryWindow()
    # as a server runs it (kith.realtime.runtime.runtime_for): decision log written behind
    runtime = DecisionRuntime(window, log=DecisionLog(container.session_factory))
    use_runtime(container, runtime)
    customers = _seed(container, str(tenant_id), runtime, rng, options.customers)
    traffic = _Traffic(rng, customers)
    principal = system_principal(str(tenant_id), "bench")
    try:
        for _ in range(min(options.warmup, options.max_decisions)):
            _decide(container, principal, runtime, traffic.next())
        cpu = _cpu(container, principal, runtime, traffic, options.cpu_decisions)
        flat = _phase(container, principal, runtime, traffic, options.max_decisions, None)
        paced = _phase(
            container,
            principal,
            runtime,
            traffic,
            int(options.rate * options.seconds),
            options.rate,
        )
    finally:
        if runtime.log is not None:
            runtime.log.close()  # before the throw-away workspace goes
        if isinstance(window, RedisWindow):
            window.clear()
    return {
        "benchmark": "decide",
        "window": window.name,
        "decisions_per_second": paced["decisions_per_second"],
        "p50_ms": paced["p50_ms"],
        "p99_ms": paced["p99_ms"],
        "p999_ms": paced["p999_ms"],
        "budget_fallbacks": paced["budget_fallbacks"],
        "outcomes": paced["outcomes"],
        "sustained": {**paced, "target_rate": options.rate, "seconds": options.seconds},
        "max": flat,
        "cpu": cpu,
        "targets": {"decisions_per_second": 1000, "p99_ms": 20},
        "budget_ms": PAYMENT_RULES["budget_ms"],
        "seeded": {"customers": options.customers, "cards": CARDS, "ring_cards": RING_CARDS},
        "machine": machine(container),
    }


def _decide(
    container: Container, principal: Any, runtime: DecisionRuntime, body: dict[str, Any]
) -> Any:
    with container.uow() as uow:
        out = RealtimeService(uow, principal, runtime, clock=container.clock).decide(
            PAYMENT_CHECK, body
        )
        uow.commit()
        return out


def _phase(
    container: Container,
    principal: Any,
    runtime: DecisionRuntime,
    traffic: _Traffic,
    count: int,
    rate: float | None,
) -> dict[str, Any]:
    latencies: list[float] = []
    service: list[float] = []  # the decision alone, without waiting behind earlier ones
    fallbacks = 0
    outcomes: dict[str, int] = {}
    bodies = [traffic.next() for _ in range(count)]
    start = time.perf_counter()
    for n, body in enumerate(bodies):
        due = start + n / rate if rate else time.perf_counter()
        now = time.perf_counter()
        if now < due:
            time.sleep(due - now)
        began = time.perf_counter()
        out = _decide(container, principal, runtime, body)
        done = time.perf_counter()
        latencies.append((done - min(due, began)) * 1000)
        service.append((done - began) * 1000)
        fallbacks += out.fallback == "budget"
        outcomes[out.outcome] = outcomes.get(out.outcome, 0) + 1
    elapsed = time.perf_counter() - start
    return {
        "decisions": count,
        "decisions_per_second": round(count / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.5), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "p999_ms": round(percentile(latencies, 0.999), 2),
        "budget_fallbacks": round(fallbacks / count, 5),
        "outcomes": outcomes,
        "kept_up": rate is None or count / elapsed >= 0.98 * rate,
        "service_p50_ms": round(percentile(service, 0.5), 2),
        "service_p99_ms": round(percentile(service, 0.99), 2),
    }


def _cpu(
    container: Container,
    principal: Any,
    runtime: DecisionRuntime,
    traffic: _Traffic,
    count: int,
) -> dict[str, Any]:
    """CPU time per decision (``time.process_time``, every thread of the process, the
    decision log's writer included): the mean over ``count`` decisions after the
    warm-up, and the p50 of each outcome. Independent of other processes' load, unlike
    wall-clock figures; 1,000 / mean is what one free core could sustain."""
    by_outcome: dict[str, list[float]] = {}
    fallbacks = 0
    bodies = [traffic.next() for _ in range(count)]
    runtime.flush_log()
    hits, misses = runtime.history.hits, runtime.history.misses
    guests = runtime.history.guests
    started = time.process_time()
    for body in bodies:
        began = time.process_time()
        out = _decide(container, principal, runtime, body)
        by_outcome.setdefault(out.outcome, []).append((time.process_time() - began) * 1000)
        fallbacks += out.fallback is not None
    runtime.flush_log()
    total_ms = (time.process_time() - started) * 1000
    mean = total_ms / max(count, 1)
    return {
        "decisions": count,
        "cpu_ms_mean": round(mean, 3),
        "one_core_decisions_per_second": round(1000 / mean, 1) if mean else None,
        "cpu_ms_p50_by_outcome": {
            k: round(percentile(v, 0.5), 3) for k, v in sorted(by_outcome.items())
        },
        "outcomes": {k: len(v) for k, v in sorted(by_outcome.items())},
        "fallbacks": fallbacks,  # their outcome is the set's fallback (step_up here)
        "history_cache": {
            "hits": runtime.history.hits - hits,
            "misses": runtime.history.misses - misses,
            "guests": runtime.history.guests - guests,
        },
    }


class _Traffic:
    """Checkouts: mostly known customers with their own card and device; some new
    customers; a fraud ring sharing a few cards; a sliver from blocked devices/ranges."""

    def __init__(self, rng: random.Random, customers: list[str]) -> None:
        self.rng = rng
        self.customers = customers
        self.n = 0

    def next(self) -> dict[str, Any]:
        rng = self.rng
        self.n += 1
        roll = rng.random()
        if roll < 0.7:
            customer = rng.choice(self.customers)
            card = f"card-{hash(customer) % CARDS:06d}"
            device = f"dev-{customer[-8:]}"
        elif roll < 0.95:
            customer = f"guest-{rng.randrange(1_000_000)}"
            card = f"card-{rng.randrange(CARDS):06d}"
            device = f"dev-{rng.randrange(1_000_000)}"
        else:
            customer = f"ring-{rng.randrange(10_000)}"
            card = f"ring-card-{rng.randrange(RING_CARDS):03d}"
            device = f"bad-dev-{rng.randrange(40)}"
        ip = f"203.0.{rng.randrange(256)}.{rng.randrange(256)}"
        if rng.random() < 0.01:
            ip = f"198.51.100.{rng.randrange(256)}"  # a blocked range
        return {
            "customer_id": customer,
            "order_id": f"SO-B{self.n:08d}",
            "amount": f"{rng.choice((99, 299, 899, 2999, 8999))}.00",
            "currency": "CNY",
            "card_token_hash": card,
            "ip": ip,
            "device_fingerprint": device,
            "shipping_address": {"country": "CN", "city": "上海"},
        }


def _seed(
    container: Container,
    tenant_id: str,
    runtime: DecisionRuntime,
    rng: random.Random,
    count: int = CUSTOMERS,
) -> list[str]:
    """The payment rules, 120 list entries and customers with 0–8 orders each
    (inserted directly: an administrative load, like the demo loader)."""
    from datetime import timedelta

    principal = system_principal(tenant_id, "bench")
    now = container.clock()
    customers: list[str] = []
    with container.uow() as uow:
        for n in range(count):
            contact = Contact(tenant_id=tenant_id, name=f"客户{n}")
            uow.session.add(contact)
            uow.session.flush()
            customers.append(contact.id)
            for k in range(rng.randrange(9)):
                uow.session.add(
                    Order(
                        tenant_id=tenant_id,
                        number=f"SO-S{n:05d}-{k}",
                        contact_id=contact.id,
                        status=rng.choice(("delivered", "delivered", "paid", "returned")),
                        ordered_at=now - timedelta(days=rng.randrange(1, 700)),
                    )
                )
        service = RealtimeService(uow, principal, runtime, clock=container.clock)
        draft = service.draft(
            PAYMENT_CHECK, DraftIn(definition=RuleSetDefinition.model_validate(PAYMENT_RULES))
        )
        service.publish(PAYMENT_CHECK, draft.version)
        for n in range(40):
            service.add_entry(
                ListEntryIn(
                    list_name="blocklist", kind="device", value=f"bad-dev-{n}", reason="ring"
                )
            )
            service.add_entry(
                ListEntryIn(list_name="blocklist", kind="ip", value=f"192.0.2.{n}", reason="abuse")
            )
            service.add_entry(
                ListEntryIn(
                    list_name="blocklist", kind="cidr", value=f"10.{n}.0.0/16", reason="proxy"
                )
            )
        service.add_entry(
            ListEntryIn(list_name="blocklist", kind="cidr", value="198.51.100.0/24", reason="proxy")
        )
        uow.commit()
    return customers
