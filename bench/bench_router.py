"""Benchmark: routing cost per event with 10, 100 and 1,000 registered agents.

    python bench/bench_router.py
    python bench/bench_router.py --agents 10 --agents 100 --agents 1000 --events 20000

Registers N synthetic agents, each subscribed to one or two of 50 event types
with a cheap payload filter (as the built-in agents use), and times
``AgentRouter.route`` over a stream of events of random types: the dictionary
lookup plus the filters of the agents subscribed to that type. A linear scan
over every subscription is timed alongside, for comparison. Prints one JSON
object per N.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Sequence
from datetime import UTC, datetime

from common import percentile

from kith.agents.router import AgentRouter
from kith.agents.sdk import Agent, AgentRegistry, AgentSpec, DataScope, Subscription, on
from kith.db.uow import UnitOfWork
from kith.events.envelope import Envelope
from kith.events.types import EventType

# 50 of the registered event types (subscriptions refuse unregistered ones).
EVENT_TYPES = list(EventType)[:50]
CHANNELS = ("app", "web", "iot", "email", "wechat")


class NoRunner:
    def run(self, envelope: Envelope, uow: UnitOfWork, agents: Sequence[Agent]) -> None:
        """Routing only."""

    def close(self) -> None:
        """Nothing held."""


def _channel_filter(channel: str) -> Subscription:
    return on(
        EventType.INTERACTION_RECEIVED,
        lambda e: e.payload.get("record", {}).get("channel") == channel,
    )


def registry_of(count: int, rng: random.Random) -> AgentRegistry:
    registry = AgentRegistry()
    for i in range(count):
        subscriptions = []
        for event_type in rng.sample(EVENT_TYPES, rng.choice((1, 2))):
            channel = rng.choice(CHANNELS)
            where = _channel_filter(channel).where if rng.random() < 0.7 else None
            subscriptions.append(Subscription(event_type, where))
        spec = AgentSpec(
            name=f"agent_{i}",
            scope=DataScope({}),
            subscriptions=tuple(subscriptions),
            tools=frozenset(),
        )
        registry.register(type(f"Agent{i}", (Agent,), {"spec": spec}))
    return registry


def events(count: int, rng: random.Random) -> list[Envelope]:
    now = datetime.now(UTC)
    return [
        Envelope(
            seq=n,
            event_id=f"e{n}",
            tenant_id="t",
            type=rng.choice(EVENT_TYPES),
            subject_type="interaction",
            subject_id=f"r{n}",
            actor_kind="user",
            actor_id="u",
            occurred_at=now,
            payload={"record": {"channel": rng.choice(CHANNELS)}},
        )
        for n in range(count)
    ]


def scan(registry: AgentRegistry, envelope: Envelope) -> list[Agent]:
    """The design the router replaces: look at every subscription of every agent."""
    return [
        agent
        for agent in registry
        if any(
            s.event_type == envelope.type and s.accepts(envelope) for s in agent.spec.subscriptions
        )
    ]


def timed(route: object, stream: list[Envelope]) -> tuple[list[float], int]:
    samples, routed = [], 0
    for envelope in stream:
        started = time.perf_counter_ns()
        chosen = route(envelope)  # type: ignore[operator]
        samples.append((time.perf_counter_ns() - started) / 1000)
        routed += len(chosen)
    return samples, routed


def measure(count: int, stream: list[Envelope]) -> dict[str, object]:
    registry = registry_of(count, random.Random(count))
    router = AgentRouter(registry, NoRunner())
    timed(router.route, stream[:1000])  # warm up
    index, routed = timed(router.route, stream)
    linear, scanned = timed(lambda e: scan(registry, e), stream)
    assert routed == scanned, "the index and the scan must choose the same agents"
    return {
        "benchmark": "agent_router",
        "agents": count,
        "event_types": len(EVENT_TYPES),
        "events": len(stream),
        "agents_per_event": round(routed / len(stream), 2),
        "index_us_mean": round(sum(index) / len(index), 2),
        "index_us_p50": round(percentile(index, 0.5), 2),
        "index_us_p99": round(percentile(index, 0.99), 2),
        "scan_us_mean": round(sum(linear) / len(linear), 2),
        "scan_us_p99": round(percentile(linear, 0.99), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, action="append")
    parser.add_argument("--events", type=int, default=20_000)
    args = parser.parse_args()
    stream = events(args.events, random.Random(7))
    for count in args.agents or [10, 100, 1000]:
        print(json.dumps(measure(count, stream)), flush=True)


if __name__ == "__main__":
    main()
